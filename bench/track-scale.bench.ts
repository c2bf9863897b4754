/**
 * `npm run bench -- track-scale`: GET /rides/{id}/track's MongoDB reads (a ride's timeline
 * and trace) and a ping's insert, as the stored samples grow to TRACK_SCALE_DOCS
 * (1,000,000), on the local MongoDB server (FerretDB: trim mode; retention.ts).
 *
 * In one isolated database: the ping's insert at 0 samples; rides loaded (over the last 6
 * days, each as the service stores an ended ride: its 200 samples by insertMany per hourly
 * partition, its packed trace in its end day's partition, its TIMELINE_EVENTS_PER_RIDE
 * events in its timeline shard) to 10 % and to 100 % of the total; at both points the
 * reads of randomly chosen rides: the samples from the partitions (samplesOfRide: a ride in
 * progress, or one without a packed trace), the whole /track handler of the ended ride
 * (timeline shard + packed trace), the same handler made to read the partitions instead (as
 * before packing), and at 100 % `timelineOf` alone; the ping again at the end. References,
 * same run: the trace read as it was before the partitions (one `locations` collection,
 * {driverId, at} filter as samplesBetween issued it) over TRACK_SCALE_REF_DOCS (100,000)
 * samples, and the timeline read as it was before the shards (one collection holding every
 * loaded ride's events): on FerretDB scans of all of them. The database is dropped at the
 * end, after timing the trim that expires every partition.
 *
 * The floor, same run: what any read costs on this server before it touches a row (a find on
 * an empty collection), what returning a ride's 200 samples costs from a collection holding
 * nothing else (no scan to speak of: the documents' conversion), and the same 200 samples
 * packed into one document's string, alone in its collection.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { closeClients, mongo } from '../platform/clients.js';
import { provideSettings } from '../platform/config.js';
import { packedPartition, partitionOf, timelinePartition } from '../functions/tracking/retention.js';
import {
  ensureIndexes, insertSample, locationsCollection, samplesOfRide, storageMode, timelineCollection, timelineOf, trimExpired, writerTrim, type LocationDoc, type PackedTraceDoc, type TimelineDoc,
} from '../functions/tracking/store.js';
import { encodeTrace, traceOfRide } from '../functions/tracking/packed-trace.js';
import { handle as track } from '../functions/tracking/track.js';
import { median, percentile, type BenchResult } from './lib.js';

const TOTAL = Number(process.env.TRACK_SCALE_DOCS ?? 1_000_000);
const REF_DOCS = Number(process.env.TRACK_SCALE_REF_DOCS ?? 100_000);
const READS = Number(process.env.TRACK_SCALE_READS ?? 200);
const PINGS = Number(process.env.TRACK_SCALE_PINGS ?? 500);
const PER_RIDE = 200;
const TIMELINE_EVENTS_PER_RIDE = 7;
const TIMELINE_READS = Number(process.env.TRACK_SCALE_TIMELINE_READS ?? 200);
const TIMELINE_REF_READS = 5;
/** Reads of /track made to read the partitions (as before packing), beside the packed ones. */
const UNPACKED_READS = 50;
const FLOOR_READS = 100;
const DRIVERS = 500;
const SPAN_MS = 6 * 86_400_000;
const now = Date.now();

interface Ride {
  rideId: string;
  driverId: string;
  from: Date;
  to: Date;
}

const log = (line: string) => process.stderr.write(`  ${line}\n`);
const round = (ms: number) => Math.round(ms * 100) / 100;
/** `<name>P50Ms<at>` and `<name>P99Ms<at>` of a series of timings. */
const p50p99 = (name: string, ms: readonly number[], at = ''): Record<string, number> => ({
  [`${name}P50Ms${at}`]: round(median(ms)),
  [`${name}P99Ms${at}`]: round(percentile(ms, 99)),
});

/** The i-th ride of the data set: 200 samples 10 s apart, starts spread evenly over the last 6 days. */
function rideAt(i: number, rides: number): Ride {
  const from = new Date(now - SPAN_MS + Math.floor((i * SPAN_MS) / rides));
  return { rideId: `bench-${i}-${randomUUID()}`, driverId: `driver-${i % DRIVERS}`, from, to: new Date(from.getTime() + (PER_RIDE - 1) * 10_000) };
}

/** The ride's events as tracking stores them (ride-log.ts); the ride ends at its last sample. */
function eventsOf(r: Ride, riderId: string): TimelineDoc[] {
  const at = (ms: number) => new Date(r.from.getTime() + ms);
  const ev = (type: string, rank: number, when: Date, driver: boolean): TimelineDoc => ({
    _id: `bench ${randomUUID()}`, rideId: r.rideId, riderId, ...(driver ? { driverId: r.driverId } : {}), type: `microride.ride.${type}`, rank, at: when,
  });
  return [
    ev('requested', 10, at(-60_000), false),
    ev('offered', 20, at(-50_000), false),
    ev('accepted', 30, r.from, true),
    ev('driver_arrived', 40, at(120_000), true),
    ev('started', 50, at(180_000), true),
    ev('completed', 90, r.to, true),
    ev('rated', 90, at(r.to.getTime() - r.from.getTime() + 60_000), true),
  ].slice(0, TIMELINE_EVENTS_PER_RIDE);
}

function samplesOf(r: Ride): LocationDoc[] {
  return Array.from({ length: PER_RIDE }, (_, j) => ({
    driverId: r.driverId, rideId: r.rideId, at: new Date(r.from.getTime() + j * 10_000), lat: 45 + j / 10_000, lon: 9 + j / 10_000, heading: 90, speedKmh: 36,
  }));
}

/**
 * Loads rides [start, end), one ride (one insertMany per partition) at a time: each new
 * partition is a table (and index) created in FerretDB's SQLite file, and concurrent creates
 * make every other pooled connection re-read a schema that grows with the tables.
 * Each ride as an ended one: its samples, its packed trace, its events. Returns the seconds
 * each 10 % took.
 */
async function load(rides: Ride[], start: number, end: number, steps: number[], riderId: string): Promise<void> {
  const step = Math.max(1, Math.round(rides.length / 10));
  let t0 = performance.now();
  for (let i = start; i < end; i++) {
    const r = rides[i]!;
    const samples = samplesOf(r);
    const byPartition = new Map<string, LocationDoc[]>();
    for (const s of samples) {
      const p = partitionOf(s);
      byPartition.set(p, [...(byPartition.get(p) ?? []), s]);
    }
    for (const [p, docs] of byPartition) await locationsCollection(p).insertMany(docs, { ordered: false });
    await mongo().collection<PackedTraceDoc>(packedPartition(r.rideId, r.to)).insertOne({ _id: r.rideId, endedAt: r.to, trace: encodeTrace(samples) });
    await timelineCollection(timelinePartition(r.rideId)).insertMany(eventsOf(r, riderId), { ordered: false });
    if ((i + 1) % step === 0 || i + 1 === end) {
      const seconds = (performance.now() - t0) / 1000;
      steps.push(Math.round(seconds * 10) / 10);
      log(`loaded ${((i + 1) * PER_RIDE).toLocaleString('en')} samples (${seconds.toFixed(1)} s for the last ${Math.round((((i % step) + 1) * PER_RIDE) / 1000)}k)`);
      t0 = performance.now();
    }
  }
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** The ping's MongoDB part: one sample of a ride in progress (samples of 25 rides in turn). */
async function pings(n: number): Promise<number[]> {
  const rides = Array.from({ length: 25 }, () => randomUUID());
  return timeEach(n, (i) => insertSample({ driverId: `ping-${i % 25}`, rideId: rides[i % 25]!, at: new Date(), lat: 45, lon: 9, heading: null, speedKmh: null }));
}

interface Reads {
  samples: number[];
  /** The ended ride's packed trace alone (traceOfRide with its end): /track's second read. */
  packed: number[];
  /** /track of the ended ride: timeline shard + packed trace. */
  track: number[];
  /** /track made to read the partitions, as before packing (and for a ride without a packed trace). */
  trackUnpacked: number[];
}

async function reads(rides: Ride[], upTo: number, riderId: string): Promise<Reads> {
  const pick = Array.from({ length: READS }, (_, i) => rides[Math.floor(((i * 7919) % READS) * (upTo / READS))]!);
  const samples = await timeEach(READS, async (i) => {
    const r = pick[i]!;
    const got = await samplesOfRide(r.rideId, r.from, r.to);
    if (got.length !== PER_RIDE) throw new Error(`ride ${r.rideId}: ${got.length} samples, expected ${PER_RIDE}`);
  });
  const packed = await timeEach(READS, async (i) => {
    const r = pick[i]!;
    const got = await traceOfRide(r.rideId, r.from, r.to, r.to);
    if (got.length !== PER_RIDE) throw new Error(`packed trace of ${r.rideId}: ${got.length} samples`);
  });
  const trackOf = async (r: Ride, stores?: Parameters<typeof track>[1]) => {
    const out = await track({ id: r.rideId, userId: riderId, role: 'rider' }, stores);
    if (out.trace.length !== PER_RIDE || out.timeline.length !== TIMELINE_EVENTS_PER_RIDE) throw new Error(`track ${r.rideId}: ${out.trace.length} samples, ${out.timeline.length} events`);
    return out;
  };
  const trackMs = await timeEach(READS, (i) => trackOf(pick[i]!));
  const unpacked = { timelineOf, traceOfRide: (id: string, from: Date, to: Date) => traceOfRide(id, from, to, undefined) };
  const trackUnpacked = await timeEach(Math.min(UNPACKED_READS, READS), (i) => trackOf(pick[i]!, unpacked));
  // The two reads must agree (same samples, same order).
  const [a, b] = [await trackOf(pick[0]!), await trackOf(pick[0]!, unpacked)];
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`track ${pick[0]!.rideId}: the packed trace differs from the partitions'`);
  return { samples, packed, track: trackMs, trackUnpacked };
}

/** Finds with (almost) nothing to scan: the server's own cost of a read, and of the documents it returns. */
async function floor(): Promise<{ empty: number[]; docs200: number[]; packed: number[] }> {
  const ride = rideAt(0, 1);
  const empty = mongo().collection('floor_empty');
  await empty.insertOne({ rideId: 'x' });
  await empty.deleteMany({});
  const docs = mongo().collection<LocationDoc>('floor_200');
  await docs.insertMany(samplesOf(ride));
  const packed = mongo().collection('floor_packed');
  await packed.insertOne({ rideId: ride.rideId, samples: samplesOf(ride).map((s) => `${s.at.getTime()} ${s.lat} ${s.lon} ${s.heading} ${s.speedKmh}`).join('\n') });
  return {
    empty: await timeEach(FLOOR_READS, () => empty.find({ rideId: ride.rideId }).toArray()),
    docs200: await timeEach(FLOOR_READS, async () => {
      const got = await docs.find({ rideId: ride.rideId }, { projection: { _id: 0 } }).toArray();
      if (got.length !== PER_RIDE) throw new Error(`floor read: ${got.length} samples`);
    }),
    packed: await timeEach(FLOOR_READS, async () => {
      const got = await packed.find({ rideId: ride.rideId }, { projection: { _id: 0 } }).toArray();
      if (got.length !== 1) throw new Error(`packed read: ${got.length} documents`);
    }),
  };
}

/** Every loaded ride's timeline shard read (`timelineOf`, the first half of /track). */
async function timelineReads(rides: Ride[]): Promise<number[]> {
  return timeEach(TIMELINE_READS, async (i) => {
    const r = rides[Math.floor(((i * 7919) % TIMELINE_READS) * (rides.length / TIMELINE_READS))]!;
    const got = await timelineOf(r.rideId);
    if (got.length !== TIMELINE_EVENTS_PER_RIDE) throw new Error(`timeline of ${r.rideId}: ${got.length} events`);
  });
}

/** Before the shards: every loaded ride's events in one collection, the read /track started with. */
async function timelineReference(rides: Ride[], riderId: string): Promise<number[]> {
  const before = mongo().collection<TimelineDoc>('timeline_before');
  const all = rides.flatMap((r) => eventsOf(r, riderId));
  for (let i = 0; i < all.length; i += 1000) await before.insertMany(all.slice(i, i + 1000), { ordered: false });
  log(`timeline reference: ${all.length.toLocaleString('en')} events in one collection`);
  return timeEach(TIMELINE_REF_READS, async (i) => {
    const r = rides[Math.floor((i * rides.length) / TIMELINE_REF_READS)]!;
    const got = await before.find({ rideId: r.rideId }).toArray();
    if (got.length !== TIMELINE_EVENTS_PER_RIDE) throw new Error(`timeline reference of ${r.rideId}: ${got.length} events`);
  });
}

/** Before: one collection, the read samplesBetween issued (driverId + at range, sorted). */
async function reference(): Promise<number[]> {
  const legacy = mongo().collection<LocationDoc>('locations_before');
  const rides = REF_DOCS / PER_RIDE;
  const all = Array.from({ length: rides }, (_, i) => rideAt(i, rides));
  for (let i = 0; i < rides; i += 25) {
    await legacy.insertMany(all.slice(i, i + 25).flatMap(samplesOf), { ordered: false });
  }
  log(`reference: loaded ${REF_DOCS.toLocaleString('en')} samples into one collection`);
  return timeEach(5, async (i) => {
    const r = all[Math.floor((i * rides) / 5)]!;
    const got = await legacy.find({ driverId: r.driverId, at: { $gte: r.from, $lte: r.to } }, { projection: { _id: 0 } }).sort({ at: 1 }).limit(20_000).toArray();
    if (got.length < PER_RIDE) throw new Error(`reference read: ${got.length} samples`);
  });
}

export default async function run(): Promise<BenchResult> {
  const dbName = `bench_track_${Date.now().toString(36)}`;
  provideSettings({ MONGO_DB: dbName });
  try {
    await ensureIndexes();
    const mode = await storageMode();
    if (mode !== 'trim') throw new Error(`track-scale loads the trim mode's partitions; this server is in ${mode} mode`);
    log(`database ${dbName}, mode ${mode}`);
    const riderId = randomUUID();
    await pings(20); // warm-up; also lets this process's first trim pass
    await writerTrim();
    const pingBefore = await pings(PINGS);
    log(`ping at 0 samples: p50 ${round(median(pingBefore))} ms`);

    const rideCount = TOTAL / PER_RIDE;
    const rides = Array.from({ length: rideCount }, (_, i) => rideAt(i, rideCount));
    const tenth = Math.round(rideCount / 10);
    const t0 = performance.now();
    const steps: number[] = [];
    const summary = (at: number, r: Reads) =>
      log(
        `at ${at.toLocaleString('en')}: samples p50 ${round(median(r.samples))} p99 ${round(percentile(r.samples, 99))} ms; ` +
          `packed trace p50 ${round(median(r.packed))} p99 ${round(percentile(r.packed, 99))} ms; ` +
          `/track packed p50 ${round(median(r.track))} p99 ${round(percentile(r.track, 99))} ms; unpacked p50 ${round(median(r.trackUnpacked))} p99 ${round(percentile(r.trackUnpacked, 99))} ms`,
      );
    await load(rides, 0, tenth, steps, riderId);
    const small = await reads(rides, tenth, riderId);
    summary(tenth * PER_RIDE, small);
    await load(rides, tenth, rideCount, steps, riderId);
    const loadSeconds = (performance.now() - t0) / 1000;
    const full = await reads(rides, rideCount, riderId);
    summary(TOTAL, full);
    const tl = await timelineReads(rides);
    log(`timeline read (shard) at ${(rideCount * TIMELINE_EVENTS_PER_RIDE).toLocaleString('en')} events: p50 ${round(median(tl))} ms p99 ${round(percentile(tl, 99))} ms`);
    const pingAfter = await pings(PINGS);
    log(`ping at ${TOTAL.toLocaleString('en')} samples: p50 ${round(median(pingAfter))} ms`);
    const ref = await reference();
    log(`reference (one collection of ${REF_DOCS.toLocaleString('en')}): median ${round(median(ref))} ms`);
    const fl = await floor();
    log(`floor: empty find p50 ${round(median(fl.empty))} ms, 200 documents p50 ${round(median(fl.docs200))} ms, 1 packed p50 ${round(median(fl.packed))} ms`);
    const tlRef = await timelineReference(rides, riderId);
    log(`timeline reference (one collection): median ${round(median(tlRef))} ms`);

    const t1 = performance.now();
    const dropped = await trimExpired(new Date(now + 400 * 86_400_000));
    const trimSeconds = (performance.now() - t1) / 1000;

    return {
      name: 'track-scale',
      figures: {
        samples: TOTAL,
        partitions: dropped.length,
        loadSeconds: Math.round(loadSeconds),
        loadSecondsFirst10pct: steps[0] ?? Number.NaN,
        loadSecondsLast10pct: steps[steps.length - 1] ?? Number.NaN,
        ...p50p99('read', small.samples, 'At10pct'),
        ...p50p99('track', small.track, 'At10pct'),
        ...p50p99('trackUnpacked', small.trackUnpacked, 'At10pct'),
        ...p50p99('read', full.samples),
        ...p50p99('packedRead', full.packed),
        ...p50p99('track', full.track),
        ...p50p99('trackUnpacked', full.trackUnpacked),
        trackP50VsFloor200Docs: round(median(full.track) / median(fl.docs200)),
        trackP99VsFloor200Docs: round(percentile(full.track, 99) / percentile(fl.docs200, 99)),
        referenceSamples: REF_DOCS,
        referenceReadMedianMs: round(median(ref)),
        readVsReference: round(median(ref) / median(full.samples)),
        ...p50p99('ping', pingBefore, 'At0'),
        ...p50p99('ping', pingAfter),
        trimSeconds: round(trimSeconds),
        ...p50p99('floorEmptyFind', fl.empty),
        ...p50p99('floor200Docs', fl.docs200),
        ...p50p99('floorPacked', fl.packed),
        timelineEvents: rideCount * TIMELINE_EVENTS_PER_RIDE,
        ...p50p99('timelineRead', tl),
        timelineReferenceMedianMs: round(median(tlRef)),
        loadAverage1m: round(loadavg()[0]!),
      },
      targets: { readP99Ms: '< 50', trackP99Ms: '< 50' },
      notes:
        `${TOTAL} samples as ${rideCount} rides × ${PER_RIDE} (10 s apart) over 6 days, ${DRIVERS} drivers, loaded by insertMany per ride partition, one ride at a time; ` +
        `each ride loaded as ended: samples, packed trace (partition of its end day × shard), ${TIMELINE_EVENTS_PER_RIDE} events in its timeline shard; ` +
        `${READS} reads of random rides at 10 % and 100 %: samples = samplesOfRide from the partitions, packedRead = traceOfRide of the ended ride (its packed trace), track = the whole handler of the ended ride (timeline shard + packed trace), ` +
        `trackUnpacked = the same handler reading the partitions (${UNPACKED_READS} reads); ` +
        `reference = the pre-partition read (one collection, driverId + at range) over ${REF_DOCS} samples, 5 reads; ` +
        `ping = insertSample of a ride in progress, ${PINGS} sequential; trim = dropping every partition once expired; ` +
        `floor = ${FLOOR_READS} finds each on an empty collection, on a collection of one ride's ${PER_RIDE} samples (all returned), on one document holding them packed in a string; ` +
        `timeline = ${TIMELINE_READS} timelineOf reads (the ride's shard) over ${TIMELINE_EVENTS_PER_RIDE} events per loaded ride; timelineReference = ${TIMELINE_REF_READS} reads of one unpartitioned collection of them all`,
    };
  } finally {
    await mongo().dropDatabase().catch(() => undefined);
    await closeClients();
  }
}
