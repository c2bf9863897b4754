/**
 * kill -9 of a gateway worker of the clustered platform (local/cluster.ts, what `npm start`
 * runs) in the middle of 200 ride lifecycles (fault project). Requests the dead worker held
 * fail at the client, which retries as an app would (POST /rides with its idempotency key;
 * a driver step that already happened answers 409 and the ride shows it); commits whose
 * publish died with the worker are sent by the outbox relay. The primary starts another
 * worker. Afterwards every ride is `completed` and paid (payment `succeeded`), with exactly
 * one fare payment per ride. Queues are quorum queues, as in the cluster. 200 rides as 20
 * concurrent rider/driver pairs riding ten times each: what two shared cores carry in a
 * few minutes.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusteredPlatform, type ClusteredPlatform } from '../../local/cluster.js';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import { sleep } from '../eventing/helpers.js';
import { until } from '../eventing/crash-helpers.js';

const RIDES = 200;
const CONCURRENT = 20;

let platform: ClusteredPlatform;
const owner = new Map<string, Session>();

const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((w): w is NonNullable<typeof w> => w !== undefined && !w.isDead());

beforeAll(async () => {
  // Sign-ups are not what this is about: a cheaper scrypt keeps 40 of them short, and
  // they all come from one address (the login limit would refuse the eleventh).
  provideSettings({ SCRYPT_LOG_N: '10', LOGIN_RATE_LIMIT: '100000', BROKER_QUEUE_TYPE: 'quorum' });
  // The sweeps run as in the cluster (every 5 s): they are how a search that a dead worker
  // left half done is taken up again (matching's SEARCH_STALE_MS).
  platform = await startClusteredPlatform({ port: 0, workers: 2, notifier: false, eventing: { port: 0 } });
}, 120_000);

afterAll(async () => {
  await platform?.close();
  await platform?.eventing?.broker.deleteTopology().catch(() => undefined);
  await cleanupStores();
  await closeClients();
}, 60_000);

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

let retried = 0;

/** One API call, retried while the gateway cannot answer (a worker died under it: reset, 5xx). */
async function call(method: string, path: string, who: Session, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${platform.url}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...who.auth, ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status < 500) return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
      if (attempt >= 20) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    } catch (err) {
      if (attempt >= 20) throw err;
    }
    retried++;
    await sleep(200);
  }
}

/** A grid of areas ~50 km apart: each pair's driver is the only one near its rider's pickups. */
function pickupOf(i: number): { lat: number; lon: number } {
  return { lat: 35 + Math.floor(i / 20) * 0.5, lon: 5 + (i % 20) * 0.7 };
}

interface Pair {
  rider: Session;
  driver: Session;
  i: number;
}

async function pool<T>(items: readonly T[], n: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}

const ORDER = ['requested', 'matching', 'accepted', 'arrived', 'in_progress', 'completed'];

/** A driver step; after a retry it may already have happened (409): then the ride shows it. */
async function step(p: Pair, rideId: string, action: 'accept' | 'arrived' | 'start' | 'complete', to: string, body?: unknown): Promise<void> {
  const r = await call('POST', `/api/v1/rides/${rideId}/${action}`, p.driver, body);
  if (r.status === 200) return;
  const ride = await call('GET', `/api/v1/rides/${rideId}`, p.driver);
  if (r.status === 409 && ORDER.indexOf(ride.body.status as string) >= ORDER.indexOf(to)) return;
  throw new Error(`${action} of ride ${rideId}: ${r.status} ${JSON.stringify(r.body)} (ride ${JSON.stringify(ride.body.status)})`);
}

async function lifecycle(p: Pair, n: number, started: string[], completedRides: string[]): Promise<void> {
  const pickup = pickupOf(p.i);
  // The driver is free again once drivers has taken the last ride's completion (an event).
  await until(`driver ${p.i} online`, async () => (await call('GET', '/api/v1/drivers/me', p.driver)).body.status === 'online', 60_000, 100);
  const dropoff = { lat: pickup.lat + 0.02, lon: pickup.lon + 0.02 };
  // A driver app pings all the time; matching offers only drivers with a recent position.
  expect((await call('POST', '/api/v1/drivers/me/location', p.driver, pickup)).status).toBe(202);
  const q = await call('POST', '/api/v1/quotes', p.rider, { pickup, dropoff, vehicleClass: 'economy' });
  expect(q.status, JSON.stringify(q.body)).toBe(200);
  const r = await call('POST', '/api/v1/rides', p.rider, { quoteId: q.body.quoteId }, { 'idempotency-key': `fault-${p.i}-${n}-${randomUUID()}` });
  // 200: a retry replayed what the first attempt made (its answer died with the worker).
  expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
  const rideId = r.body.id as string;
  started.push(rideId);
  owner.set(rideId, p.rider);
  // The driver's app sees the offer on the ride (as the notifier would push it).
  await until(`an offer of ${rideId}`, async () => {
    const seen = await call('GET', `/api/v1/rides/${rideId}`, p.driver);
    return seen.status === 200 && seen.body.offer !== undefined && seen.body.offer !== null;
  }, 60_000, 100).catch(async (err: Error) => {
    const ride = await call('GET', `/api/v1/rides/${rideId}`, p.rider);
    throw new Error(`${err.message}; ride: ${JSON.stringify(ride.body.status)}`);
  });
  await step(p, rideId, 'accept', 'accepted');
  await step(p, rideId, 'arrived', 'arrived');
  // The rider tells the driver the pickup code (only the rider's view of the ride holds it).
  const pickupCode = (await call('GET', `/api/v1/rides/${rideId}`, p.rider)).body.pickupCode;
  await step(p, rideId, 'start', 'in_progress', { pickupCode });
  await step(p, rideId, 'complete', 'completed');
  completedRides.push(rideId);
}

describe('kill -9 of a gateway worker during 200 ride lifecycles', () => {
  it('every ride completes and is paid once; the primary replaces the worker', async () => {
    const t0 = Date.now();
    const pairs: Pair[] = [];
    // One rider and one driver per concurrent flow; each flow rides RIDES / CONCURRENT times.
    await pool(Array.from({ length: CONCURRENT }, (_, i) => i), CONCURRENT, async (i) => {
      const rider = await registerAndLogin(platform.url, 'rider');
      const driver = await registerAndLogin(platform.url, 'driver');
      await registerDriver(platform.url, driver);
      expect((await call('PUT', '/api/v1/drivers/me/availability', driver, { status: 'online' })).status).toBe(200);
      expect((await call('POST', '/api/v1/drivers/me/location', driver, pickupOf(i))).status).toBe(202);
      pairs.push({ rider, driver, i });
    });
    const setupMs = Date.now() - t0;

    const started: string[] = [];
    const completedRides: string[] = [];
    const rides = Promise.all(pairs.map(async (p) => {
      for (let n = 0; n < RIDES / CONCURRENT; n++) await lifecycle(p, n, started, completedRides);
    }));
    // Mid-way: rides in every state, requests in flight on both workers.
    await until('a third of the rides completed, half the flows mid-ride', () => completedRides.length >= RIDES / 3 && started.length - completedRides.length >= CONCURRENT / 2, 240_000, 20);
    const [victim] = liveWorkers();
    const victimPid = victim!.process.pid;
    const ridesAtKill = { started: started.length, completed: completedRides.length };
    victim!.process.kill('SIGKILL');
    await rides;
    await until('a replacement worker', () => liveWorkers().length === 2 && liveWorkers().every((w) => w.process.pid !== victimPid), 30_000);

    // Every ride completed and its fare paid; exactly one fare payment per ride in payments' table.
    await until('every fare paid', async () => {
      const paid = (await db()(`${schemaName('payments')}.payments`).whereIn('ride_id', started).andWhere({ kind: 'fare', status: 'succeeded' }).countDistinct({ n: 'ride_id' })) as { n: string }[];
      return Number(paid[0]?.n) === started.length;
    }, 120_000, 500);
    let notCompleted = 0;
    let notPaid = 0;
    await pool(started, 10, async (id) => {
      const ride = await call('GET', `/api/v1/rides/${id}`, owner.get(id)!);
      if (ride.body.status !== 'completed') notCompleted++;
      const pay = await call('GET', `/api/v1/rides/${id}/payment`, owner.get(id)!);
      if ((pay.body.payment as { status?: string } | undefined)?.status !== 'succeeded') notPaid++;
    });
    const fares = (await db()(`${schemaName('payments')}.payments`).whereIn('ride_id', started).andWhere({ kind: 'fare' }).select('ride_id')) as { ride_id: string }[];
    console.info(`cluster crash: setup ${setupMs} ms, ${RIDES} rides in ${Date.now() - t0 - setupMs} ms, worker ${victimPid} killed at ${ridesAtKill.started} started / ${ridesAtKill.completed} completed, ${retried} client retries`);
    expect(started).toHaveLength(RIDES);
    expect(completedRides).toHaveLength(RIDES);
    expect(new Set(started).size).toBe(RIDES);
    expect(notCompleted).toBe(0);
    expect(notPaid).toBe(0);
    expect(fares).toHaveLength(RIDES); // one fare payment per ride: none charged twice
  }, 300_000);
});
