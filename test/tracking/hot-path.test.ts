/**
 * tracking's hot paths against MongoDB are insert-only (FerretDB scans the whole collection
 * for any find or update: see functions/tracking/store.ts), and its live state in Redis
 * behaves like the MongoDB document it replaced: idempotent, rank-ordered, and rebuilt from
 * MongoDB when the Redis keys are gone.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mongoCommands, type Command } from './mongo-commands.js';
import { useServices } from './support.js';
import { deliver } from './events.js';
import { post, registerAndLogin, type Session } from '../helpers/users.js';
import { mongoClient, redis } from '../../platform/clients.js';
import { packedPartition, rideTracePartitions, timelinePartition, traceShard } from '../../functions/tracking/retention.js';
import { ensureIndexes, insertSample, insertTimelineDoc, timelineCollectionOf } from '../../functions/tracking/store.js';
import { applyRideEvent, type RideEvent } from '../../functions/tracking/ride-log.js';
import { rideKey, rideSummary, seenKey, traceKey } from '../../functions/tracking/ride-state.js';
import { activeRide, activeRideKey } from '../../functions/tracking/active-ride.js';
import { appendTrace, traceBetween } from '../../functions/tracking/trip-trace.js';
import { recordPosition } from '../../functions/tracking/live-index.js';
import { drivenDistance, type Sample } from '../../functions/tracking/odometer.js';

/** How many documents the insert commands put into `collection` (or its partitions `<collection>.<hour|day|shard>…`, retention.ts). */
function insertedInto(commands: Command[], collection: string): number {
  const into = (c: unknown) => c === collection || new RegExp(`^${collection}(?:\\.\\d+)+$`).test(String(c));
  return commands.filter((c) => c.name === 'insert' && into(c.collection)).reduce((n, c) => n + c.docs, 0);
}

const ctx = useServices();
beforeAll(async () => {
  // Once per process; then the hot paths issue nothing but their inserts.
  await ensureIndexes();
});

const get = (path: string, s: Session) => fetch(`${ctx.url}${path}`, { headers: s.auth });
const locate = (s: Session, body: unknown) => post(ctx.url, '/api/v1/drivers/me/location', body, s.auth);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const north = (p: { lat: number; lon: number }, meters: number) => ({ lat: p.lat + meters / 111_195, lon: p.lon });
let spot = 0;
const place = () => {
  spot += 1;
  return { lat: 40 + spot * 0.2, lon: 9 + spot * 0.2 };
};
const fare = { amount: 900, currency: 'EUR' };

/** An event as the broker hands it to tracking-timeline. */
const event = (type: string, data: Record<string, unknown>, time = new Date(), id: string = randomUUID()): RideEvent => ({
  id, source: '/microride/rides', type: `microride.ride.${type}`, time, data,
});

/** Everything tracking keeps in Redis about a ride (and the driver's pointer). */
async function redisState(rideId: string, driverId: string) {
  return {
    summary: await redis().hgetall(rideKey(rideId)),
    seen: (await redis().smembers(seenKey(rideId))).sort(),
    pointer: await redis().get(activeRideKey(driverId)),
  };
}

describe('tracking hot path', () => {
  it('writes MongoDB insert-only for ride events and positions, and /distance reads no MongoDB', async () => {
    const driver = await registerAndLogin(ctx.url, 'driver');
    const rideId = randomUUID();
    const riderId = randomUUID();
    const parties = { rideId, riderId, driverId: driver.user.id };
    const pickup = place();
    const send = (type: string, data: Record<string, unknown>, id?: string) =>
      deliver(ctx.internalUrl, 'tracking-timeline', `microride.ride.${type}`, data, { source: '/microride/rides', ...(id ? { id } : {}) });

    let distance: Response | undefined;
    const trip = await mongoCommands(async () => {
      expect((await send('requested', { rideId, riderId, pickup, dropoff: north(pickup, 2_000), vehicleClass: 'economy', fare, requestedAt: new Date().toISOString() })).status).toBe(202);
      expect((await send('offered', { rideId, riderId, driverIds: [driver.user.id], round: 1, expiresAt: new Date(Date.now() + 15_000).toISOString() })).status).toBe(202);
      expect((await send('accepted', { ...parties, acceptedAt: new Date().toISOString() })).status).toBe(202);
      expect((await send('driver_arrived', parties)).status).toBe(202);
      expect((await send('started', parties, 'start-1')).status).toBe(202);
      // Three positions during the trip, 10 m apart every 250 ms (144 km/h: plausible).
      for (let i = 0; i < 3; i++) {
        if (i > 0) await sleep(250);
        expect(await (await locate(driver, north(pickup, i * 10))).json()).toMatchObject({ rideId });
      }
      expect((await send('started', parties, 'start-1')).status).toBe(202); // redelivered
    });
    // Besides inserts only the retention trim's listing (at most one per process and
    // TRIM_INTERVAL_MS, on FerretDB): no find, no update.
    expect([...new Set(trip.map((c) => c.name))].filter((n) => n !== 'listCollections')).toEqual(['insert']);
    expect(trip.filter((c) => c.name === 'listCollections').length).toBeLessThanOrEqual(1);
    expect(insertedInto(trip, 'timeline')).toBe(6);
    const ridePartition = new RegExp(`^trace\\.\\d{10}\\.${traceShard(rideId)}$`);
    expect(trip.filter((c) => c.name === 'insert' && ridePartition.test(String(c.collection))).reduce((n, c) => n + c.docs, 0)).toBe(3);

    const reads = await mongoCommands(async () => {
      distance = await get(`/api/v1/rides/${rideId}/distance`, driver);
    });
    expect(reads).toEqual([]);
    expect(distance?.status).toBe(200);
    const d = (await distance?.json()) as { distanceMeters: number; samples: number; basis: string };
    expect(d).toMatchObject({ samples: 3, basis: 'measured' });
    expect(d.distanceMeters).toBeGreaterThanOrEqual(19);
    expect(d.distanceMeters).toBeLessThanOrEqual(21);

    const end = await mongoCommands(async () => {
      expect((await send('completed', { ...parties, distanceMeters: d.distanceMeters, durationSeconds: 1, fare }, 'done-1')).status).toBe(202);
      expect((await send('completed', { ...parties, distanceMeters: d.distanceMeters, durationSeconds: 1, fare }, 'done-1')).status).toBe(202);
      expect(await (await locate(driver, north(pickup, 30))).json()).toMatchObject({ rideId: null });
    });
    expect([...new Set(end.map((c) => c.name))]).toEqual(['insert']);
    expect(insertedInto(end, 'timeline')).toBe(2);
    expect(insertedInto(end, 'locations')).toBe(1);
    // The end packs the ride's trace (from Redis) into one document, at each delivery; the
    // second insert is the redelivery's, refused as a duplicate.
    expect(insertedInto(end, 'packed')).toBe(2);
    expect(await (await timelineCollectionOf(rideId)).countDocuments({ rideId })).toBe(6);
  });

  it('applies a redelivered event once, and finishes one that only reached MongoDB', async () => {
    const rideId = randomUUID();
    const driverId = randomUUID();
    const parties = { rideId, riderId: randomUUID(), driverId };
    const t0 = Date.now() - 60_000;
    expect(await applyRideEvent(event('requested', { rideId, riderId: parties.riderId, pickup: place() }, new Date(t0)))).toBe('applied');
    const accepted = event('accepted', parties, new Date(t0 + 10_000));
    expect(await applyRideEvent(accepted)).toBe('applied');
    const before = await redisState(rideId, driverId);
    expect(before.summary).toMatchObject({ riderId: parties.riderId, driverId, rank: '30', acceptedAt: String(t0 + 10_000) });
    expect(before.pointer).toBe(`${t0 + 10_000} ${rideId}`);

    // Redelivered, even with a different time: nothing changes anywhere.
    expect(await applyRideEvent({ ...accepted, time: new Date(t0) })).toBe('duplicate');
    expect(await redisState(rideId, driverId)).toEqual(before);
    expect(await (await timelineCollectionOf(rideId)).countDocuments({ rideId })).toBe(2);

    // A failure between the two steps: the event is in MongoDB, Redis never saw it. The
    // redelivery completes the Redis part.
    const started = event('started', parties, new Date(t0 + 20_000));
    expect(await insertTimelineDoc({ _id: `${started.source} ${started.id}`, rideId, driverId, type: started.type, rank: 50, at: new Date(t0 + 20_000) })).toBe('inserted');
    expect(await applyRideEvent(started)).toBe('applied');
    expect(await rideSummary(rideId)).toMatchObject({ rank: 50, startedAt: new Date(t0 + 20_000) });
    expect(await (await timelineCollectionOf(rideId)).countDocuments({ rideId })).toBe(3);
    expect(await applyRideEvent(started)).toBe('duplicate');
  });

  it('keeps the active-ride pointer in step with the ride’s rank, whatever the order of events', async () => {
    const driverId = randomUUID();
    const ride = () => ({ rideId: randomUUID(), riderId: randomUUID(), driverId });
    const t0 = Date.now() - 120_000;

    // The end before the acceptance, and a late acceptance after the end: no pointer.
    const a = ride();
    await applyRideEvent(event('accepted', a, new Date(t0)));
    await applyRideEvent(event('completed', { ...a, fare }, new Date(t0 + 30_000)));
    expect(await activeRide(driverId)).toBeNull();
    await applyRideEvent(event('accepted', a, new Date(t0 + 1_000)));
    expect(await activeRide(driverId)).toBeNull();
    expect((await rideSummary(a.rideId))?.rank).toBe(90);

    // The newer acceptance holds the pointer; a late event of an older ride does not take it.
    const b = ride();
    const c = ride();
    await applyRideEvent(event('accepted', c, new Date(t0 + 60_000)));
    await applyRideEvent(event('accepted', b, new Date(t0 + 40_000)));
    await applyRideEvent(event('driver_arrived', b, new Date(t0 + 45_000)));
    expect(await activeRide(driverId)).toBe(c.rideId);
    // The end of the older ride does not clear the newer one's pointer.
    await applyRideEvent(event('cancelled', { ...b, by: 'rider', fee: null }, new Date(t0 + 50_000)));
    expect(await activeRide(driverId)).toBe(c.rideId);

    // An end that names no driver still clears the pointer of the ride's driver.
    await applyRideEvent(event('offered', { rideId: c.rideId, driverIds: [randomUUID()] }, new Date(t0 + 61_000)));
    expect(await activeRide(driverId)).toBe(c.rideId);
    await applyRideEvent(event('cancelled', { rideId: c.rideId, riderId: c.riderId, driverId: null, by: 'system', fee: null }, new Date(t0 + 70_000)));
    expect(await activeRide(driverId)).toBeNull();
    expect(await rideSummary(c.rideId)).toMatchObject({ driverId, rank: 91, endedAt: new Date(t0 + 70_000) });
  });

  it('releases a driver who cancelled before pickup: pointer gone, their late events do not bring it back, the next driver takes over', async () => {
    const first = randomUUID();
    const next = randomUUID();
    const rideId = randomUUID();
    const riderId = randomUUID();
    const t0 = Date.now() - 120_000;
    await applyRideEvent(event('accepted', { rideId, riderId, driverId: first }, new Date(t0)));
    expect(await activeRide(first)).toBe(rideId);

    await applyRideEvent(event('rematching', { rideId, riderId, driverId: first }, new Date(t0 + 10_000)));
    expect(await activeRide(first)).toBeNull();
    expect((await rideSummary(rideId))?.driverId).toBeUndefined();

    // Delivered out of order: the released driver's arrival must not point their pings at the ride again.
    await applyRideEvent(event('driver_arrived', { rideId, riderId, driverId: first }, new Date(t0 + 5_000)));
    expect(await activeRide(first)).toBeNull();

    await applyRideEvent(event('accepted', { rideId, riderId, driverId: next }, new Date(t0 + 20_000)));
    expect(await activeRide(next)).toBe(rideId);
    expect(await rideSummary(rideId)).toMatchObject({ driverId: next, acceptedAt: new Date(t0 + 20_000) });
    await applyRideEvent(event('completed', { rideId, riderId, driverId: next, fare }, new Date(t0 + 60_000)));
    expect(await activeRide(next)).toBeNull();
  });

  it('places an event at the driver’s live position only when it was taken close to the event', async () => {
    const driverId = randomUUID();
    const rideId = randomUUID();
    const parties = { rideId, riderId: randomUUID(), driverId };
    const here = place();
    const now = Date.now();
    expect(await recordPosition(driverId, { ...here, at: now - 5_000 })).toBe('stored');
    await applyRideEvent(event('accepted', parties, new Date(now), 'fresh'));
    await applyRideEvent(event('driver_arrived', parties, new Date(now - 30_000), 'late'));
    await applyRideEvent(event('started', parties, new Date(now + 70_000), 'quiet'));
    const docs = await (await timelineCollectionOf(rideId)).find({ rideId }).toArray();
    const at = (id: string) => docs.find((d) => d._id === `/microride/rides ${id}`)?.location;
    expect(at('fresh')).toEqual(here); // position 5 s before the event
    expect(at('late')).toBeUndefined(); // position 25 s after it: the driver has moved on
    expect(at('quiet')).toBeUndefined(); // position 75 s before it: the app went quiet
  });

  it('measures the distance from the Redis trace, and from MongoDB once the Redis keys are gone', async () => {
    const driver = await registerAndLogin(ctx.url, 'driver');
    const rider = await registerAndLogin(ctx.url, 'rider');
    const stranger = await registerAndLogin(ctx.url, 'rider');
    const rideId = randomUUID();
    const parties = { rideId, riderId: rider.user.id, driverId: driver.user.id };
    const pickup = place();
    const t0 = Date.now() - 10 * 60_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    await applyRideEvent(event('requested', { rideId, riderId: rider.user.id, pickup }, at(0)));
    await applyRideEvent(event('accepted', parties, at(10)));
    await applyRideEvent(event('started', parties, at(60)));
    await applyRideEvent(event('completed', { ...parties, fare }, at(200)));

    // Samples as POST /location stores them for a ride (MongoDB and the Redis trace), out
    // of order, with a GPS jump and samples before the start and after the end.
    const drive: Sample[] = Array.from({ length: 13 }, (_, i) => ({ ...north(pickup, i * 100), at: at(60 + i * 10) }));
    const extra: Sample[] = [{ lat: 0, lon: 0, at: at(95) }, { ...north(pickup, -500), at: at(30) }, { ...north(pickup, 5_000), at: at(260) }];
    for (const s of [...drive.slice(6), ...extra, ...drive.slice(0, 6)]) {
      await insertSample({ driverId: driver.user.id, rideId, ...s, heading: null, speedKmh: null });
      await appendTrace(rideId, s);
    }
    const inTrip = [...drive, extra[0]!].sort((x, y) => x.at.getTime() - y.at.getTime());
    expect(await traceBetween(rideId, at(60), at(200))).toEqual(inTrip);
    const expected = {
      distanceMeters: drivenDistance(inTrip).meters,
      samples: drivenDistance(inTrip).used,
      durationSeconds: 140,
      basis: 'measured',
    };
    expect(expected.samples).toBe(13);

    let live: unknown;
    expect(await mongoCommands(async () => {
      live = await (await get(`/api/v1/rides/${rideId}/distance`, driver)).json();
    })).toEqual([]);
    expect(live).toEqual(expected);
    expect((await get(`/api/v1/rides/${rideId}/distance`, rider)).status).toBe(200);
    expect((await get(`/api/v1/rides/${rideId}/distance`, stranger)).status).toBe(404);

    // The Redis keys expire a week after the ride; then MongoDB answers, the same —
    // unless the caller asked for the live trace only (rides, pricing a trip ending now).
    await redis().del(rideKey(rideId), seenKey(rideId), traceKey(rideId));
    let liveOnly: Response | undefined;
    expect(await mongoCommands(async () => {
      liveOnly = await get(`/api/v1/rides/${rideId}/distance?live=true`, driver);
    })).toEqual([]);
    expect(liveOnly?.status).toBe(404);
    const bad = await get(`/api/v1/rides/${rideId}/distance?live=maybe`, driver);
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain('live');
    let fallback: unknown;
    const reads = await mongoCommands(async () => {
      fallback = await (await get(`/api/v1/rides/${rideId}/distance`, driver)).json();
    });
    expect(fallback).toEqual(expected);
    // The samples come from the ride's own partition (FerretDB: trim mode), not a scan of all,
    // after its packed trace was looked for (none: the end was applied before these samples).
    expect(reads.map((c) => `${c.name} ${String(c.collection)}`)).toEqual([
      `find ${timelinePartition(rideId)}`, `find ${packedPartition(rideId, at(200))}`, ...rideTracePartitions(rideId, at(60), at(200)).map((n) => `find ${n}`),
    ]);
    expect((await get(`/api/v1/rides/${rideId}/distance`, stranger)).status).toBe(404);
    expect((await get(`/api/v1/rides/${randomUUID()}/distance`, driver)).status).toBe(404);
    const track = (await (await get(`/api/v1/rides/${rideId}/track`, rider)).json()) as { status: string; trace: unknown[] };
    expect(track.status).toBe('completed');
    expect(track.trace).toHaveLength(15); // acceptance to end: the drive, the jump, and the one before the start
  });
});
