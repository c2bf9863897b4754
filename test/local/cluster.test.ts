/**
 * `npm start`'s clustered platform (local/cluster.ts): gateway workers share one port,
 * the broker runs in this (primary) process, and the workers reach it over HTTP — an
 * event a worker commits arrives at a Trigger. The workers also share the loopback-only
 * internal port where events are delivered; the public one has no /_fn. A worker that dies is replaced and the
 * port keeps answering; close() stops every worker.
 */
import cluster from 'node:cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusteredPlatform, type ClusteredPlatform } from '../../local/cluster.js';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { registerAndLogin } from '../helpers/users.js';
import { sendBinary, sleep, startSubscriber, testEvent, type Subscriber } from '../eventing/helpers.js';
import { listeningAddresses } from '../helpers/listeners.js';

let platform: ClusteredPlatform;
let observer: Subscriber;

const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((w): w is NonNullable<typeof w> => w !== undefined && !w.isDead());

beforeAll(async () => {
  observer = await startSubscriber();
  platform = await startClusteredPlatform({
    port: 0,
    workers: 2,
    notifier: false,
    eventing: {
      tickScale: 1_000, // no sweeps during the test
      extraTriggers: [{ name: 'test-observer', filter: { type: 'microride.user.registered' }, url: observer.url }],
    },
  });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await platform?.eventing?.broker.deleteTopology().catch(() => undefined);
  await observer?.close();
  await cleanupStores();
  await closeClients();
});

describe('clustered platform', () => {
  it('serves from two worker processes on one port; their events reach the broker in the primary', async () => {
    expect(liveWorkers()).toHaveLength(2);
    const session = await registerAndLogin(platform.url, 'rider');
    const me = await fetch(`${platform.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).toBe(200);
    // Published on commit by whichever worker registered the user, to the primary's ingress.
    const [got] = await observer.waitFor(1, 10_000);
    expect((got!.event.data as { userId?: string }).userId ?? got!.event.subject).toBe(session.user.id);
  });

  it('the workers take events on a shared loopback-only internal port; the public port has no /_fn', async () => {
    expect(listeningAddresses(platform.internalPort)).toEqual(['127.0.0.1']);
    expect(platform.internalPort).not.toBe(platform.port);
    // An offer decision with no data: rides-offers' schema check answers 400 (it got there).
    for (let i = 0; i < 4; i++) {
      const e = testEvent('microride.matching.offer_decided', {});
      expect((await sendBinary(`${platform.internalUrl}/_fn/rides-offers`, e)).status).toBe(400);
      expect((await sendBinary(`${platform.url}/_fn/rides-offers`, e)).status).toBe(404);
    }
  });

  it('replaces a worker that dies, and the port keeps answering', async () => {
    const [victim] = liveWorkers();
    const pid = victim!.process.pid;
    victim!.process.kill('SIGKILL');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const now = liveWorkers();
      if (now.length === 2 && now.every((w) => w.process.pid !== pid)) break;
      await sleep(100);
    }
    const now = liveWorkers();
    expect(now).toHaveLength(2);
    expect(now.map((w) => w.process.pid)).not.toContain(pid);
    for (let i = 0; i < 10; i++) expect((await fetch(`${platform.url}/health/liveness`)).status).toBe(200);
  }, 30_000);

  it('close() stops every worker', async () => {
    await platform.close();
    expect(liveWorkers()).toHaveLength(0);
  }, 30_000);
});
