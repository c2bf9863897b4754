/**
 * Location samples expire after LOCATION_RETENTION_HOURS, and a ride's trace is read
 * without scanning everyone's samples: against the real FerretDB, which refuses TTL
 * indexes and scans for every filter, so the service trims itself by dropping hourly
 * partitions (functions/tracking/retention.ts). Time is injected: samples are stored with
 * old `at` values and the trim is told what "now" is.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mongoCommands } from './mongo-commands.js';
import { closeClients, mongo } from '../../platform/clients.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { packedPartition, partitionOf, retentionSettings, rideTracePartitions, timelinePartition, traceShard } from '../../functions/tracking/retention.js';
import { ensureIndexes, insertSample, insertTimelineDoc, locationsCollection, samplesOfRide, storageMode, timelineCollectionOf, trimExpired, writerTrim, type LocationDoc, type TimelineDoc } from '../../functions/tracking/store.js';
import { handle as track } from '../../functions/tracking/track.js';

const HOUR = 3_600_000;
const now = new Date();
const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);
const sample = (driverId: string, rideId: string | null, at: Date, i = 0): LocationDoc => ({ driverId, rideId, at, lat: 45 + i / 1000, lon: 9, heading: null, speedKmh: null });
const firstSample = sample(randomUUID(), null, ago(retentionSettings().LOCATION_RETENTION_HOURS + 30));
/** A ride id whose samples share `rideId`'s partitions, and one whose samples do not. */
const sameShard = (rideId: string): string => {
  for (;;) {
    const id = randomUUID();
    if (traceShard(id) === traceShard(rideId)) return id;
  }
};
const otherShard = (rideId: string): string => {
  for (;;) {
    const id = randomUUID();
    if (traceShard(id) !== traceShard(rideId)) return id;
  }
};
const names = async () => (await mongo().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);

beforeAll(async () => {
  await ensureIndexes();
  // The process's first sample starts the writer's trim (then none for TRIM_INTERVAL_MS):
  // an expired one, which that trim must remove; awaited here, so it cannot drop the old
  // samples the tests below store while they do.
  await insertSample(firstSample);
  await writerTrim();
});
afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

describe('the writer trims by itself', () => {
  // First in the file: no explicit trim has run yet, so only the writer can have dropped it.
  it('drops expired partitions after the first ping of a process', async () => {
    expect(await names()).not.toContain(partitionOf(firstSample));
    expect(await locationsCollection(partitionOf(firstSample)).countDocuments({})).toBe(0);
  });

  it('then lists the collections at most once per interval, not once per ping', async () => {
    // An expired partition stored since the first trim stays until the next interval.
    const expired = ago(retentionSettings().LOCATION_RETENTION_HOURS + 5);
    const driverId = randomUUID();
    await insertSample(sample(driverId, null, expired));
    const commands = await mongoCommands(async () => {
      await insertSample(sample(driverId, null, now));
      await writerTrim();
    });
    expect(commands.map((c) => c.name)).toEqual(['insert']);
    expect(await names()).toContain(partitionOf({ rideId: null, at: expired }));
  });
});

describe('location retention on FerretDB', () => {
  it('runs in trim mode: the server refuses the TTL index a MongoDB would be given', async () => {
    expect(await storageMode()).toBe('trim');
    await expect(mongo().collection(`ttl-probe-${randomUUID()}`).createIndex({ at: 1 }, { expireAfterSeconds: 60 })).rejects.toThrow(/expireAfterSeconds/);
  });

  it('removes samples older than the window and keeps the others, rides and idle alike', async () => {
    const window = retentionSettings().LOCATION_RETENTION_HOURS;
    const driverId = randomUUID();
    const oldRide = randomUUID();
    const newRide = randomUUID();
    const expired = ago(window + 2);
    const kept = ago(window - 2);
    for (let i = 0; i < 3; i++) {
      await insertSample(sample(driverId, oldRide, new Date(expired.getTime() + i * 1000), i));
      await insertSample(sample(driverId, newRide, new Date(kept.getTime() + i * 1000), i));
      await insertSample(sample(driverId, null, new Date(expired.getTime() + i * 1000), i));
      await insertSample(sample(driverId, null, new Date(kept.getTime() + i * 1000), i));
    }
    await insertTimelineDoc({ _id: `retention ${randomUUID()}`, rideId: oldRide, type: 'microride.ride.requested', rank: 10, at: expired });
    const before = await names();
    expect(before).toEqual(expect.arrayContaining([partitionOf({ rideId: oldRide, at: expired }), partitionOf({ rideId: null, at: expired })]));
    expect(await samplesOfRide(oldRide, expired, now, undefined, expired)).toHaveLength(3);

    const dropped = await trimExpired(now);

    expect(dropped).toEqual(expect.arrayContaining([partitionOf({ rideId: oldRide, at: expired }), partitionOf({ rideId: null, at: expired })]));
    const after = await names();
    expect(after).not.toContain(partitionOf({ rideId: oldRide, at: expired }));
    expect(after).not.toContain(partitionOf({ rideId: null, at: expired }));
    expect(await samplesOfRide(oldRide, expired, now, undefined, expired)).toEqual([]);
    // Unexpired samples and every other collection stay.
    expect((await samplesOfRide(newRide, kept, now)).map((s) => s.at)).toEqual([0, 1, 2].map((i) => new Date(kept.getTime() + i * 1000)));
    expect(await locationsCollection(partitionOf({ rideId: null, at: kept })).countDocuments({ driverId })).toBe(3);
    expect(await (await timelineCollectionOf(oldRide)).countDocuments({ rideId: oldRide })).toBe(1);
    // Nothing left to drop: a second trim (or another process's) is a no-op.
    expect(await trimExpired(now)).toEqual([]);
  });

  it('reads a trace longer than the driver’s first batch (101) in one find per partition, without a getMore', async () => {
    const rideId = randomUUID();
    const hourStart = new Date(Math.floor(ago(2).getTime() / HOUR) * HOUR);
    // 150 samples 10 s apart: 25 minutes, inside one hour, so one partition.
    const trace = Array.from({ length: 150 }, (_, i) => sample(randomUUID(), rideId, new Date(hourStart.getTime() + i * 10_000), i));
    await locationsCollection(partitionOf(trace[0]!)).insertMany(trace.map((s) => ({ ...s })));

    let got: LocationDoc[] = [];
    const commands = await mongoCommands(async () => {
      got = await samplesOfRide(rideId, trace[0]!.at, trace[149]!.at);
    });

    expect(got.map((s) => s.at)).toEqual(trace.map((s) => s.at));
    // A getMore is a second round trip and cursor, which costs FerretDB as much as the documents.
    expect(commands.map((c) => `${c.name} ${String(c.collection)}`)).toEqual([`find ${partitionOf(trace[0]!)}`]);
  });

  it('/track reads the ride’s trace from its shard of the hours it spans only, whatever else is stored', async () => {
    const riderId = randomUUID();
    const driverId = randomUUID();
    const rideId = randomUUID();
    const acceptedAt = ago(3);
    const endedAt = ago(1);
    const ev = (type: string, rank: number, at: Date, extra: Partial<TimelineDoc> = {}): TimelineDoc => ({ _id: `retention ${randomUUID()}`, rideId, type, rank, at, riderId, ...extra });
    for (const doc of [
      ev('microride.ride.requested', 10, ago(3.5)),
      ev('microride.ride.accepted', 30, acceptedAt, { driverId }),
      ev('microride.ride.completed', 90, endedAt, { driverId }),
    ]) {
      await insertTimelineDoc(doc);
    }
    // The ride's samples across three hours, and noise: the same driver before and after
    // the ride, another ride of another driver at the same time.
    const trace = Array.from({ length: 12 }, (_, i) => sample(driverId, rideId, new Date(acceptedAt.getTime() + i * 10 * 60_000), i));
    // Another ride in the same shard (shares the partitions) and one in another shard.
    const sibling = sameShard(rideId);
    const other = otherShard(rideId);
    for (const s of [...trace].reverse()) await insertSample(s);
    for (let i = 0; i < 5; i++) {
      await insertSample(sample(driverId, null, new Date(acceptedAt.getTime() - 60_000 - i * 1000), i));
      await insertSample(sample(driverId, null, new Date(endedAt.getTime() + 60_000 + i * 1000), i));
      await insertSample(sample(randomUUID(), other, new Date(acceptedAt.getTime() + i * 60_000), i));
      await insertSample(sample(randomUUID(), sibling, new Date(acceptedAt.getTime() + i * 60_000), i));
    }

    let out: Awaited<ReturnType<typeof track>> | undefined;
    const reads = await mongoCommands(async () => {
      out = await track({ id: rideId, userId: riderId, role: 'rider' });
    });

    expect(out?.trace).toEqual(trace.map((s) => ({ lat: s.lat, lon: s.lon, at: s.at.toISOString(), heading: null, speedKmh: null })));
    // The query shape: the ride's timeline shard, its packed trace (none was written: these
    // samples bypassed the Redis trace), then a find by rideId per hour the ride spans, on
    // collections that hold this ride's shard only. (Before partitioning: one
    // `find locations`, a scan of every sample ever stored.)
    const partitions = rideTracePartitions(rideId, acceptedAt, endedAt);
    expect(partitions.length).toBeGreaterThanOrEqual(3);
    expect(reads.map((c) => `${c.name} ${String(c.collection)}`).sort()).toEqual(
      [`find ${timelinePartition(rideId)}`, `find ${packedPartition(rideId, endedAt)}`, ...partitions.map((p) => `find ${p}`)].sort(),
    );
    let held = 0;
    let siblings = 0;
    let explained = 0;
    for (const p of partitions) {
      const docs = await locationsCollection(p).find({}).toArray();
      expect(docs.every((d) => d.rideId !== null && traceShard(d.rideId) === traceShard(rideId))).toBe(true);
      held += docs.filter((d) => d.rideId === rideId).length;
      siblings += docs.filter((d) => d.rideId === sibling).length;
      // What the server does for such a read: it scans that partition's table, and no other
      // (an hour of the ride without samples has no collection: nothing to scan).
      if (docs.length > 0) {
        const plan = (await locationsCollection(p).find({ rideId }).explain()) as { queryPlanner?: { Plan?: string[] } };
        expect(plan.queryPlanner?.Plan).toEqual([expect.stringMatching(/SCAN trace\.\d{10}\.\d\d_/)]);
        explained += 1;
      }
    }
    expect(explained).toBeGreaterThanOrEqual(2);
    expect(siblings).toBe(5);
    expect(held).toBe(trace.length);
  });
});
