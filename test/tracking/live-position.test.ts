/**
 * The rider's live view of the driver, end to end on the real services: the driver's
 * location pings (tracking) → Redis live channel → notifier → the rider's websocket, and
 * the latest position in the ride detail. The ride lifecycle runs through the real broker,
 * so tracking learns the ride's state from its events as in production.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { redis, rkey } from '../../platform/clients.js';
import { liveChannel, type LivePosition } from '../../contracts/live-position.js';
import { useRidesPlatform } from '../rides/harness.js';
import { call, newArea, newDriver, newRider, pickupCodeOf, rideIn, step, type Driver, type Point } from '../rides/client.js';
import { connect, type Client, type Message } from '../notifier/helpers.js';

const env = useRidesPlatform({}, { notifier: true });

const LIVE = 'ride.driver_location';

/** Everything published on the live channel, in channel order: the positive marker for "nothing was pushed". */
let sub: Redis | undefined;
const published: string[] = [];
beforeAll(async () => {
  sub = redis().duplicate();
  sub.on('message', (_c: string, payload: string) => published.push(payload));
  await sub.subscribe(rkey(...liveChannel()));
});
afterAll(async () => {
  await sub?.quit();
});

const ping = (d: Driver, at: Point, speedKmh?: number) =>
  call<{ receivedAt: string; rideId: string | null }>(env.url, 'POST', '/api/v1/drivers/me/location', d.session, { ...at, ...(speedKmh !== undefined ? { speedKmh } : {}) });

const positions = (c: Client, rideId?: string) =>
  c.messages.filter((m) => m.type === LIVE && (rideId === undefined || m.rideId === rideId)).map((m) => m.data as unknown as LivePosition);

async function until<T>(probe: () => T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Pushes are at most one per second window per ride: start a step at the next window's beginning. */
const nextWindow = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 30));

/** Pings (a new window each time) until the rider's socket has a position of this ping; returns it. */
async function pingUntilPushed(d: Driver, rider: Client, rideId: string, at: Point, what: string, accept: (p: LivePosition) => boolean = () => true): Promise<LivePosition> {
  const end = Date.now() + 15_000;
  for (;;) {
    await nextWindow();
    const r = await ping(d, at, 30);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const got = await until(() => positions(rider, rideId).find((p) => p.at === r.body.receivedAt && accept(p)), 400, what).catch(() => undefined);
    if (got) return got;
    if (Date.now() > end) throw new Error(`${what}: no push within 15 s`);
  }
}

describe('live driver position and ETA', () => {
  let riderA: Client | undefined;
  let riderB: Client | undefined;
  afterAll(() => {
    riderA?.close();
    riderB?.close();
  });

  it('pushes the driver’s position with a falling ETA to the ride’s rider only, at most once a second, and keeps the latest in the ride detail', async () => {
    const { url, events } = env;
    const a = newArea();
    const b = newArea();
    const pickupA = a.at(0);
    const dropoffA = a.at(3_000, 2_000);
    const pickupB = b.at(0);
    const rider1 = await newRider(url);
    const rider2 = await newRider(url);
    const d1 = await newDriver(url, a.at(1_500));
    const d2 = await newDriver(url, b.at(800));
    const idle = await newDriver(url, newArea().at(0));
    riderA = await connect(env.wsUrl, rider1.accessToken);
    riderB = await connect(env.wsUrl, rider2.accessToken);

    const rideA = await rideIn(url, events, rider1, d1, 'accepted', pickupA, dropoffA);
    const rideB = await rideIn(url, events, rider2, d2, 'accepted', pickupB, b.at(2_000));

    // Tracking learns of the acceptance (and the pickup) through the broker: ping until a push comes.
    const first = await pingUntilPushed(d1, riderA, rideA.id, a.at(1_500), 'first push of ride A');
    expect(first).toMatchObject({ rideId: rideA.id, towards: 'pickup', speedKmh: 30 });

    // The driver approaches the pickup, one ping per second window: every ping is pushed, the ETA falls.
    const approach = [first];
    for (const m of [1_200, 900, 600, 300]) {
      await nextWindow();
      const r = await ping(d1, a.at(m), 30);
      expect(r.body.rideId).toBe(rideA.id);
      approach.push(await until(() => positions(riderA!, rideA.id).find((p) => p.at === r.body.receivedAt), 5_000, `push of the ping at ${m} m`));
    }
    for (let i = 1; i < approach.length; i++) {
      expect(approach[i]!.etaSeconds, JSON.stringify(approach.map((p) => p.etaSeconds))).toBeLessThan(approach[i - 1]!.etaSeconds);
      expect(approach[i]!.distanceMeters).toBeLessThan(approach[i - 1]!.distanceMeters);
    }
    expect(approach.at(-1)!.distanceMeters).toBeGreaterThan(300);
    expect(approach.at(-1)!.distanceMeters).toBeLessThan(450); // 300 m × the detour factor

    // Four pings in quick succession: one push per window, and the ride detail still shows the last.
    await nextWindow();
    const burst: string[] = [];
    for (const m of [250, 200, 150, 100]) burst.push((await ping(d1, a.at(m), 30)).body.receivedAt);
    const detail = await call<{ live: LivePosition | null; status: string }>(url, 'GET', `/api/v1/rides/${rideA.id}`, rider1);
    expect(detail.status).toBe(200);
    expect(detail.body.live).toMatchObject({ rideId: rideA.id, at: burst.at(-1), towards: 'pickup' });
    // Marker: the next window's ping arrives; everything of the burst arrived before it.
    const marker = await pingUntilPushed(d1, riderA, rideA.id, a.at(50), 'push after the burst');
    const burstWindows = new Set(burst.map((t) => Math.floor(Date.parse(t) / 1000)));
    expect(positions(riderA, rideA.id).filter((p) => burst.includes(p.at))).toHaveLength(burstWindows.size);
    expect(burstWindows.size).toBeLessThan(burst.length);
    expect(marker.etaSeconds).toBeLessThan(approach.at(-1)!.etaSeconds);

    // ≤ 1 push per second window per ride, and no id: positions are not in the replayable stream.
    const pushedA = riderA.messages.filter((m: Message) => m.type === LIVE);
    const windows = pushedA.map((m) => Math.floor(Date.parse(m.at) / 1000));
    expect(new Set(windows).size).toBe(windows.length);
    for (const m of pushedA) expect(m).not.toHaveProperty('id');

    // The other ride's rider sees their own driver, and never ride A.
    await pingUntilPushed(d2, riderB, rideB.id, b.at(400), 'push of ride B');
    expect(positions(riderB).every((p) => p.rideId === rideB.id)).toBe(true);
    expect(positions(riderA).every((p) => p.rideId === rideA.id)).toBe(true);

    // A driver on no ride publishes nothing: a later push of ride B is the next publication.
    await nextWindow();
    const before = published.length;
    const off = await ping(idle, newArea().at(0), 30);
    expect(off.body.rideId).toBeNull();
    const onB = await ping(d2, b.at(300), 30);
    await until(() => (published.length > before ? true : undefined), 5_000, 'the marker publication');
    expect(published.slice(before)).toHaveLength(1);
    expect(published[before]).toContain(`"rideId":"${rideB.id}"`);
    expect(published[before]).toContain(onB.body.receivedAt);

    // Once started, the ETA points at the drop-off.
    await step(url, d1, rideA.id, 'arrived');
    await step(url, d1, rideA.id, 'start', { pickupCode: await pickupCodeOf(url, rider1, rideA.id) });
    const toDropoff = await pingUntilPushed(d1, riderA, rideA.id, pickupA, 'push towards the drop-off', (p) => p.towards === 'dropoff');
    expect(toDropoff.distanceMeters).toBeGreaterThan(3_600); // √(3² + 2²) km × 1.3 ≈ 4.7 km
    const started = await call<{ live: LivePosition | null }>(url, 'GET', `/api/v1/rides/${rideA.id}`, rider1);
    expect(started.body.live?.towards).toBe('dropoff');
  }, 90_000);
});
