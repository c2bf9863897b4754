/**
 * An ended ride's trace packed into one document, and the timeline in shards, against the
 * real FerretDB (trim mode; functions/tracking/packed-trace.ts, store.ts, retention.ts):
 * written once when the ride ends, read by /track of the ended ride with the same answer
 * the hourly partitions gave, the partitions still read for a ride in progress or one
 * without a packed trace, a ride's timeline read from its shard only, and the packed
 * partitions dropped by the trim like the samples.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mongoCommands, type Command } from './mongo-commands.js';
import { closeClients, mongo, redis } from '../../platform/clients.js';
import { config, provideSettings } from '../../platform/config.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { packedPartition, retentionSettings, rideTracePartitions, timelinePartition } from '../../functions/tracking/retention.js';
import {
  ensureIndexes, insertPackedTrace, insertTimelineDoc, moveLegacyTimeline, storageMode, timelineCollection, timelineCollections, timelineOf, trimExpired, type PackedTraceDoc, type TimelineDoc,
} from '../../functions/tracking/store.js';
import { decodeTrace, encodeTrace, packTrace, traceOfRide } from '../../functions/tracking/packed-trace.js';
import { applyRideEvent, type RideEvent } from '../../functions/tracking/ride-log.js';
import { handle as ping } from '../../functions/tracking/location.js';
import { handle as track } from '../../functions/tracking/track.js';
import { timelineOf as timelineRead } from '../../functions/tracking/store.js';
import { rideKey, rideSummary, seenKey, traceKey } from '../../functions/tracking/ride-state.js';
import { handle as distance } from '../../functions/tracking/distance.js';
import { traceBetween } from '../../functions/tracking/trip-trace.js';

const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shapes = (commands: Command[]) => commands.map((c) => `${c.name} ${String(c.collection)}`);
const event = (type: string, data: Record<string, unknown>, time: Date, id: string = randomUUID()): RideEvent => ({
  id, source: '/microride/rides', type: `microride.ride.${type}`, time, data,
});
const packedOf = (rideId: string, endedAt: Date) => mongo().collection<PackedTraceDoc>(packedPartition(rideId, endedAt));

/** A ride accepted a minute ago whose driver has sent `pings` positions through POST /location's handler, some without heading or speed. */
async function rideWithPings(pings: number) {
  const rideId = randomUUID();
  const riderId = randomUUID();
  const driverId = randomUUID();
  const parties = { rideId, riderId, driverId };
  const t0 = Date.now() - 60_000;
  await applyRideEvent(event('requested', { rideId, riderId, pickup: { lat: 45, lon: 9 } }, new Date(t0)));
  await applyRideEvent(event('accepted', parties, new Date(t0 + 1_000)));
  await applyRideEvent(event('started', parties, new Date(t0 + 2_000)));
  for (let i = 0; i < pings; i++) {
    // ~1.4 cm a step: a plausible speed for the odometer however fast the pings come.
    const out = await ping({ driverId, lat: 45 + i / 1e7, lon: 9 + i / 1.3e7, ...(i % 3 === 0 ? {} : { heading: (i * 37) % 360, speedKmh: 20 + i / 4 }) });
    expect(out.rideId).toBe(rideId);
    await sleep(2); // one sample per millisecond at most: equal times would leave the order to the store
  }
  return { rideId, riderId, driverId, parties };
}

beforeAll(async () => {
  await ensureIndexes();
  expect(await storageMode()).toBe('trim');
});
afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

describe('packed traces on FerretDB', () => {
  it('packs an ended ride’s trace once, and /track of it then reads one document with the same answer', async () => {
    const { rideId, riderId, parties } = await rideWithPings(40);
    const asRider = { id: rideId, userId: riderId, role: 'rider' as const };

    // In progress: the hourly partitions (no end, so no packed trace to look for).
    let active: Awaited<ReturnType<typeof track>> | undefined;
    const activeReads = await mongoCommands(async () => {
      active = await track(asRider);
    });
    expect(active?.status).toBe('in_progress');
    expect(active?.trace).toHaveLength(40);
    expect(shapes(activeReads).filter((s) => s.includes('packed'))).toEqual([]);
    expect(shapes(activeReads)).toContain(`find ${timelinePartition(rideId)}`);

    const endedAt = new Date();
    const completed = event('completed', { ...parties, fare: { amount: 900, currency: 'EUR' } }, endedAt, 'done-1');
    const end = await mongoCommands(async () => {
      expect(await applyRideEvent(completed)).toBe('applied');
    });
    // Ending a ride reads nothing from MongoDB: the packed trace comes from the Redis trace.
    expect([...new Set(end.map((c) => c.name))]).toEqual(['insert']);
    expect(shapes(end)).toContain(`insert ${packedPartition(rideId, endedAt)}`);
    const stored = await packedOf(rideId, endedAt).find({}).toArray();
    expect(stored.map((d) => d._id)).toEqual([rideId]);
    expect(stored[0]?.endedAt).toEqual(endedAt);

    // Redelivered: the same outcome, still one document, unchanged.
    expect(await applyRideEvent(completed)).toBe('duplicate');
    expect(await packTrace(rideId)).toBe('duplicate');
    expect(await packedOf(rideId, endedAt).find({}).toArray()).toEqual(stored);

    // /track of the ended ride: the timeline shard and the packed document, nothing else …
    let packed: Awaited<ReturnType<typeof track>> | undefined;
    const reads = await mongoCommands(async () => {
      packed = await track(asRider);
    });
    expect(shapes(reads)).toEqual([`find ${timelinePartition(rideId)}`, `find ${packedPartition(rideId, endedAt)}`]);
    // … and the same samples in the same order as the partitions give (the read without the end).
    const unpacked = await track(asRider, { timelineOf: timelineRead, traceOfRide: (id, from, to) => traceOfRide(id, from, to, undefined) });
    expect(packed?.status).toBe('completed');
    expect(packed?.trace).toHaveLength(40);
    expect(packed).toEqual(unpacked);
    expect(packed?.trace.map((s) => s.heading)).toContain(null);
    expect(packed?.trace.map((s) => s.speedKmh)).toContain(null);
    expect(packed?.trace).toEqual(active?.trace);

    // The /distance fallback (the ride's Redis keys gone) reads the packed trace too, to the same distance.
    await redis().del(rideKey(rideId), seenKey(rideId), traceKey(rideId));
    const asDriver = { id: rideId, live: false, userId: parties.driverId, role: 'driver' as const };
    let measured: Awaited<ReturnType<typeof distance>> | undefined;
    const distanceReads = await mongoCommands(async () => {
      measured = await distance(asDriver);
    });
    expect(shapes(distanceReads)).toEqual([`find ${timelinePartition(rideId)}`, `find ${packedPartition(rideId, endedAt)}`]);
    const fromPartitions = await distance(asDriver, {
      rideSummary, traceBetween, timelineOf: timelineRead, traceOfRide: (id, from, to) => traceOfRide(id, from, to, undefined),
    });
    expect(measured).toEqual(fromPartitions);
    expect(measured).toMatchObject({ basis: 'measured', samples: 40 });
  });

  it('answers from the partitions for an ended ride without a packed trace (end applied before it was written, or it could not be)', async () => {
    const { rideId, riderId, parties } = await rideWithPings(12);
    const endedAt = new Date();
    expect(await applyRideEvent(event('cancelled', parties, endedAt))).toBe('applied');
    const asRider = { id: rideId, userId: riderId, role: 'rider' as const };
    const withPacked = await track(asRider);

    // As after a crash between applying the end and packing: the document is not there.
    await packedOf(rideId, endedAt).deleteMany({ _id: rideId });
    let fallback: Awaited<ReturnType<typeof track>> | undefined;
    const reads = await mongoCommands(async () => {
      fallback = await track(asRider);
    });
    expect(fallback).toEqual(withPacked);
    expect(fallback?.trace).toHaveLength(12);
    const partitions = rideTracePartitions(rideId, new Date(endedAt.getTime() - 2 * 60_000), endedAt);
    expect(shapes(reads)).toEqual(expect.arrayContaining([`find ${timelinePartition(rideId)}`, `find ${packedPartition(rideId, endedAt)}`]));
    expect(shapes(reads).filter((s) => s.startsWith('find trace.')).every((s) => partitions.includes(s.slice(5)))).toBe(true);
    expect(shapes(reads).some((s) => s.startsWith('find trace.'))).toBe(true);

    // The redelivered end packs it after all.
    expect(await packTrace(rideId)).toBe('inserted');
    expect(await track(asRider)).toEqual(withPacked);

    // A Redis trace with entries of the older form (no heading, no speed) is not packed: it
    // cannot give what the partitions hold.
    const older = randomUUID();
    await applyRideEvent(event('accepted', { ...parties, rideId: older }, new Date(Date.now() - 5_000)));
    await redis().rpush(traceKey(older), `${Date.now() - 4_000} 45 9`);
    await applyRideEvent(event('completed', { ...parties, rideId: older }, new Date()));
    expect(await packTrace(older)).toBe('skipped');
  });

  it('keeps what /track returns through the encoding: exact doubles, nulls, times', () => {
    const samples = [
      { at: new Date(1_764_750_000_123), lat: 45.46420000000001, lon: 9.1899999, heading: null, speedKmh: 0 },
      { at: new Date(1_764_750_001_000), lat: -0.1 - 0.2, lon: 1e-7, heading: 359.5, speedKmh: null },
    ];
    expect(decodeTrace(encodeTrace(samples))).toEqual(samples);
  });

  it('reads a ride’s timeline from its shard only, whatever else the timeline holds', async () => {
    const rideId = randomUUID();
    const ev = (id: string, type: string, rank: number): TimelineDoc => ({ _id: `shards ${randomUUID()}`, rideId: id, type, rank, at: new Date() });
    await insertTimelineDoc(ev(rideId, 'microride.ride.requested', 10));
    await insertTimelineDoc(ev(rideId, 'microride.ride.expired', 92));
    // Other rides' events, in other shards.
    const others = Array.from({ length: 30 }, () => randomUUID()).filter((id) => timelinePartition(id) !== timelinePartition(rideId));
    for (const id of others) await insertTimelineDoc(ev(id, 'microride.ride.requested', 10));

    let got: TimelineDoc[] = [];
    const reads = await mongoCommands(async () => {
      got = await timelineOf(rideId);
    });
    expect(got.map((d) => d.type).sort()).toEqual(['microride.ride.expired', 'microride.ride.requested']);
    expect(shapes(reads)).toEqual([`find ${timelinePartition(rideId)}`]);
    // The server scans that shard's table only.
    const plan = (await timelineCollection(timelinePartition(rideId)).find({ rideId }).explain()) as { queryPlanner?: { Plan?: string[] } };
    expect(plan.queryPlanner?.Plan).toEqual([expect.stringMatching(/SCAN timeline\.\d{4}_/)]);
    const shards = (await timelineCollections()).map((c) => c.collectionName);
    expect(shards).toEqual(expect.arrayContaining([timelinePartition(rideId), ...others.map(timelinePartition)]));
    expect(shards).not.toContain('timeline');
  });

  it('drops packed partitions whose day is past the window, keeping newer ones and every timeline shard', async () => {
    const hours = retentionSettings().LOCATION_RETENTION_HOURS;
    const now = new Date();
    const oldRide = randomUUID();
    const newRide = randomUUID();
    const old = new Date(now.getTime() - (hours + 48) * HOUR);
    const sample = (at: Date) => ({ at, lat: 45, lon: 9, heading: null, speedKmh: null });
    expect(await insertPackedTrace({ _id: oldRide, endedAt: old, trace: encodeTrace([sample(old)]) })).toBe('inserted');
    expect(await insertPackedTrace({ _id: newRide, endedAt: now, trace: encodeTrace([sample(now)]) })).toBe('inserted');
    await insertTimelineDoc({ _id: `old ${randomUUID()}`, rideId: oldRide, type: 'microride.ride.completed', rank: 90, at: old });

    const dropped = await trimExpired(now);
    expect(dropped).toContain(packedPartition(oldRide, old));
    expect(dropped).not.toContain(packedPartition(newRide, now));
    expect(dropped.filter((n) => n.startsWith('timeline'))).toEqual([]);
    const names = (await mongo().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).not.toContain(packedPartition(oldRide, old));
    expect(await packedOf(newRide, now).countDocuments({ _id: newRide })).toBe(1);
    expect(await timelineCollection(timelinePartition(oldRide)).countDocuments({ rideId: oldRide })).toBe(1);
    // A packed trace read never returns samples past the window, even before its day is dropped.
    expect(await traceOfRide(newRide, new Date(now.getTime() - HOUR), now, now)).toEqual([sample(now)]);
    expect(await traceOfRide(newRide, new Date(now.getTime() - HOUR), now, now, undefined, new Date(now.getTime() + (hours + 2) * HOUR))).toEqual([]);
  });

  it('reads a timeline left from before the shards until it is moved into them, then drops it', async () => {
    const base = config().MONGO_DB;
    provideSettings({ MONGO_DB: `${base}_legacy` });
    try {
      const rideId = randomUUID();
      const before: TimelineDoc = { _id: `legacy ${randomUUID()}`, rideId, type: 'microride.ride.requested', rank: 10, at: new Date(Date.now() - 1_000) };
      await mongo().collection<TimelineDoc>('timeline').insertOne(before);
      await ensureIndexes();
      const after: TimelineDoc = { _id: `legacy ${randomUUID()}`, rideId, type: 'microride.ride.expired', rank: 92, at: new Date() };
      expect(await insertTimelineDoc(after)).toBe('inserted');
      expect((await timelineOf(rideId)).map((d) => d._id).sort()).toEqual([before._id, after._id].sort());

      expect(await moveLegacyTimeline()).toBe(1);
      expect(await moveLegacyTimeline()).toBe(0); // again: nothing left
      const names = (await mongo().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      expect(names).not.toContain('timeline');
      let got: TimelineDoc[] = [];
      const reads = await mongoCommands(async () => {
        got = await timelineOf(rideId);
      });
      expect(got.map((d) => d._id).sort()).toEqual([before._id, after._id].sort());
      expect(shapes(reads)).toEqual([`find ${timelinePartition(rideId)}`]);
    } finally {
      await mongo().dropDatabase().catch(() => undefined);
      provideSettings({ MONGO_DB: base });
    }
  });
});
