/**
 * kill -9 of a gateway worker of the clustered platform (local/cluster.ts, what `npm start`
 * runs) in the middle of 200 ride lifecycles (fault project). Requests the dead worker held
 * fail at the client, which retries as an app would (POST /rides with its idempotency key;
 * a driver step that already happened answers 409 and the ride shows it); commits whose
 * publish died with the worker are sent by the outbox relay. The primary starts another
 * worker. Afterwards every ride is `completed` and paid (payment `succeeded`), with exactly
 * one fare payment per ride. Queues are quorum queues, as in the cluster.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusteredPlatform, type ClusteredPlatform } from '../../local/cluster.js';
import { closeClients } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import { sleep, startSubscriber, type Subscriber } from '../eventing/helpers.js';
import { until } from '../eventing/crash-helpers.js';

const RIDES = 200;
const CONCURRENT = 20;

let platform: ClusteredPlatform;
let observer: Subscriber;
/** rideId → event types seen, and the fare payment ids (a second id would be a double charge). */
const seen = new Map<string, Set<string>>();
const farePayments = new Map<string, Set<string>>();

const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((w): w is NonNullable<typeof w> => w !== undefined && !w.isDead());

beforeAll(async () => {
  // Sign-ups are not what this is about: a cheaper scrypt keeps 400 of them short, and
  // they all come from one address (the login limit would refuse the eleventh).
  provideSettings({ SCRYPT_LOG_N: '10', LOGIN_RATE_LIMIT: '100000', BROKER_QUEUE_TYPE: 'quorum' });
  observer = await startSubscriber((r) => {
    const data = r.event.data as { rideId?: string; kind?: string; paymentId?: string } | undefined;
    if (data?.rideId) {
      let s = seen.get(data.rideId);
      if (!s) seen.set(data.rideId, (s = new Set()));
      s.add(r.event.type);
      if (r.event.type === 'microride.payment.succeeded' && data.kind === 'fare' && data.paymentId) {
        let p = farePayments.get(data.rideId);
        if (!p) farePayments.set(data.rideId, (p = new Set()));
        p.add(data.paymentId);
      }
    }
    return { status: 202 };
  });
  platform = await startClusteredPlatform({
    port: 0,
    workers: 2,
    notifier: false,
    eventing: {
      port: 0,
      tickScale: 1_000, // no sweeps: an offer must not expire while the test waits
      extraTriggers: [{ name: 'test-observer', filter: {}, url: observer.url, parallelism: 32 }],
    },
  });
}, 120_000);

afterAll(async () => {
  await platform?.close();
  await platform?.eventing?.broker.deleteTopology().catch(() => undefined);
  await observer?.close();
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

/** A grid of areas ~50 km apart: each ride's driver is the only one near its pickup. */
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
async function step(p: Pair, rideId: string, action: 'accept' | 'arrived' | 'start' | 'complete', to: string): Promise<void> {
  const r = await call('POST', `/api/v1/rides/${rideId}/${action}`, p.driver);
  if (r.status === 200) return;
  const ride = await call('GET', `/api/v1/rides/${rideId}`, p.driver);
  if (r.status === 409 && ORDER.indexOf(ride.body.status as string) >= ORDER.indexOf(to)) return;
  throw new Error(`${action} of ride ${rideId}: ${r.status} ${JSON.stringify(r.body)} (ride ${JSON.stringify(ride.body.status)})`);
}

async function lifecycle(p: Pair, started: string[], completedRides: string[]): Promise<void> {
  const pickup = pickupOf(p.i);
  const dropoff = { lat: pickup.lat + 0.02, lon: pickup.lon + 0.02 };
  // A driver app pings all the time; matching offers only drivers with a recent position.
  expect((await call('POST', '/api/v1/drivers/me/location', p.driver, pickup)).status).toBe(202);
  const q = await call('POST', '/api/v1/quotes', p.rider, { pickup, dropoff, vehicleClass: 'economy' });
  expect(q.status, JSON.stringify(q.body)).toBe(200);
  const r = await call('POST', '/api/v1/rides', p.rider, { quoteId: q.body.quoteId }, { 'idempotency-key': `fault-${p.i}-${randomUUID()}` });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const rideId = r.body.id as string;
  started.push(rideId);
  await until(`ride.offered of ${rideId}`, () => seen.get(rideId)?.has('microride.ride.offered') === true, 60_000, 50);
  await step(p, rideId, 'accept', 'accepted');
  await step(p, rideId, 'arrived', 'arrived');
  await step(p, rideId, 'start', 'in_progress');
  await step(p, rideId, 'complete', 'completed');
  completedRides.push(rideId);
}

describe('kill -9 of a gateway worker during 200 ride lifecycles', () => {
  it('every ride completes and is paid once; the primary replaces the worker', async () => {
    const t0 = Date.now();
    const pairs: Pair[] = [];
    await pool(Array.from({ length: RIDES }, (_, i) => i), CONCURRENT, async (i) => {
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
    const rides = pool(pairs, CONCURRENT, (p) => lifecycle(p, started, completedRides));
    // Mid-way: rides in every state, requests in flight on both workers.
    await until('a third of the rides completed, half the flows mid-ride', () => completedRides.length >= RIDES / 3 && started.length - completedRides.length >= CONCURRENT / 2, 240_000, 20);
    const [victim] = liveWorkers();
    const victimPid = victim!.process.pid;
    const ridesAtKill = { started: started.length, completed: completedRides.length };
    victim!.process.kill('SIGKILL');
    await rides;
    await until('a replacement worker', () => liveWorkers().length === 2 && liveWorkers().every((w) => w.process.pid !== victimPid), 30_000);

    // Every ride completed, its fare paid, exactly one fare payment per ride.
    await until('payment.succeeded for every ride', () => started.every((id) => farePayments.has(id)), 120_000, 250);
    let listed = 0;
    let notCompleted = 0;
    let notPaid = 0;
    await pool(pairs, 10, async (p) => {
      const mine = await call('GET', '/api/v1/rides', p.rider);
      for (const ride of (mine.body.items as { id: string; status: string }[] | undefined) ?? []) {
        listed++;
        if (ride.status !== 'completed') notCompleted++;
        const pay = await call('GET', `/api/v1/rides/${ride.id}/payment`, p.rider);
        if ((pay.body.payment as { status?: string } | undefined)?.status !== 'succeeded') notPaid++;
      }
    });
    const doubleCharged = started.filter((id) => (farePayments.get(id)?.size ?? 0) !== 1);
    console.info(`cluster crash: setup ${setupMs} ms, ${RIDES} rides in ${Date.now() - t0 - setupMs} ms, worker ${victimPid} killed at ${ridesAtKill.started} started / ${ridesAtKill.completed} completed, ${retried} client retries`);
    expect(started).toHaveLength(RIDES);
    expect(completedRides).toHaveLength(RIDES);
    expect(listed).toBe(RIDES);
    expect(notCompleted).toBe(0);
    expect(notPaid).toBe(0);
    expect(doubleCharged).toEqual([]);
  }, 300_000);
});
