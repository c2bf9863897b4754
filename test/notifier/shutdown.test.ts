import { request } from 'node:http';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { closeClients, redis } from '../../platform/clients.js';
import { streamKey } from '../../notifier/streams.js';
import { cleanupRedis, connect, signToken, sleep, spawnReplica, useKeys, UpgradeRefused } from './helpers.js';

beforeAll(() => useKeys());
afterAll(async () => {
  await cleanupRedis();
  await closeClients();
});

/** Starts a binary CloudEvent POST and sends only half its body; returns a finisher. */
function halfPost(url: string, type: string, data: unknown) {
  const body = Buffer.from(JSON.stringify(data));
  const req = request(`${url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': body.length,
      'ce-specversion': '1.0',
      'ce-id': randomUUID(),
      'ce-source': '/microride/test',
      'ce-type': type,
      prefer: 'reply',
    },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.write(body.subarray(0, 10));
  return {
    finish() {
      req.end(body.subarray(10));
      return status;
    },
  };
}

describe('notifier: graceful shutdown (SIGTERM)', () => {
  it('finishes in-flight CloudEvents, closes sockets with 1001 "going away", refuses newcomers, exits 0', async () => {
    const replica = await spawnReplica();
    const u = await signToken();
    const clients = await Promise.all([1, 2, 3].map(async () => connect(replica.wsUrl, (await signToken({ userId: u.userId })).token)));
    const rideId = randomUUID();
    const inflight = halfPost(replica.eventsUrl, 'microride.ride.expired', { rideId, riderId: u.userId });
    await sleep(150); // the request is in the server, waiting for the rest of its body

    replica.proc.kill('SIGTERM');
    await sleep(150);
    // Draining: sockets stay open while an event is still in flight; newcomers are refused.
    expect(clients.every((c) => c.ws.readyState === c.ws.OPEN)).toBe(true);
    const refused = await connect(replica.wsUrl, u.token).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused === null ? 'accepted' : refused instanceof UpgradeRefused ? refused.status : 'connection refused').not.toBe('accepted');

    expect(await inflight.finish()).toBe(202);
    for (const c of clients) {
      expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
      // The in-flight event was delivered before the close.
      expect(c.messages.map((m) => m.rideId)).toEqual([rideId]);
    }
    expect(await replica.exited).toBe(0);
    expect(await redis().xlen(streamKey(u.userId))).toBe(1);
  });
});
