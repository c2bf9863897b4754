/**
 * rides' distance call to tracking at completion, over real HTTP: a measured answer is
 * used; tracking knowing nothing, failing, answering garbage, being down or answering too
 * late all fall back to the quoted distance (null) without throwing, and a late answer
 * does not hold the completion past TRACKING_TIMEOUT_MS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { measuredTrip } from '../../functions/rides/measure.js';
import { provideSettings } from '../../platform/config.js';
import type { Logger } from '../../platform/logger.js';

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let reply: Reply = (_req, res) => res.end();
const seen: { url: string; authorization: string | undefined }[] = [];
let server: http.Server;
let base = '';

const warnings: string[] = [];
const log = {
  info: () => undefined,
  warn: (_obj: unknown, msg: string) => warnings.push(msg),
} as unknown as Logger;

function useTracking(url: string | undefined, timeoutMs = 300): void {
  provideSettings({ TRACKING_URL: url, TRACKING_TIMEOUT_MS: String(timeoutMs) });
}

const json = (status: number, body: unknown): Reply => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    reply(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen.length = 0;
  warnings.length = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  provideSettings({ TRACKING_URL: undefined, TRACKING_TIMEOUT_MS: undefined });
});

describe('measuredTrip', () => {
  it('uses a measured answer, asking with the driver\'s own authorization for the live trace', async () => {
    useTracking(base);
    reply = json(200, { distanceMeters: 5234.6, durationSeconds: 901.4, samples: 12, basis: 'measured' });
    expect(await measuredTrip('ride 1', 'Bearer driver-token', log)).toEqual({ distanceMeters: 5235, durationSeconds: 901 });
    expect(seen).toEqual([{ url: '/api/v1/rides/ride%201/distance?live=true', authorization: 'Bearer driver-token' }]);
  });

  it('falls back (null) when tracking has no trace, measured nothing, fails or answers garbage', async () => {
    useTracking(base);
    for (const r of [
      json(404, { title: 'not found' }),
      json(200, { distanceMeters: 0, durationSeconds: 0, samples: 0, basis: 'none' }),
      json(503, { title: 'unavailable' }),
      json(200, { distanceMeters: -1, basis: 'measured' }),
      ((_req, res) => res.end('not json')) as Reply,
    ]) {
      reply = r;
      expect(await measuredTrip('r', 'Bearer t', log)).toBeNull();
    }
    // 404 and basis none are normal; the other three are worth a warning each.
    expect(warnings).toHaveLength(3);
  });

  it('falls back when tracking is down, and when it answers later than TRACKING_TIMEOUT_MS', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const downUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    useTracking(downUrl);
    expect(await measuredTrip('r', 'Bearer t', log)).toBeNull();

    useTracking(base, 150);
    reply = (_req, res) => {
      setTimeout(() => json(200, { distanceMeters: 1, durationSeconds: 1, samples: 2, basis: 'measured' })(_req, res), 1_000).unref();
    };
    const started = performance.now();
    expect(await measuredTrip('r', 'Bearer t', log)).toBeNull();
    expect(performance.now() - started).toBeLessThan(900);
    expect(warnings).toHaveLength(2);
  });

  it('is not called at all without TRACKING_URL', async () => {
    useTracking(undefined);
    expect(await measuredTrip('r', 'Bearer t', log)).toBeNull();
    expect(seen).toHaveLength(0);
  });
});
