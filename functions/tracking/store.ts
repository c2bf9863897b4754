/**
 * tracking's MongoDB documents (FerretDB 1.24 locally; MongoDB in the cluster).
 *   timeline   one document per applied ride event, _id = "<source> <id>"; on MongoDB one
 *              `timeline` collection with an index {rideId}, on FerretDB `timeline.<shard>`
 *              by a hash of the ride id (retention.ts), so a ride's read scans its shard only
 *   samples    driver position samples (the trace), kept LOCATION_RETENTION_HOURS, in one of
 *              two shapes (retention.ts): on MongoDB one `locations` collection with a TTL
 *              index on `at` and an index {rideId, at}; on FerretDB collections per UTC hour
 *              (`trace.<hour>.<shard>` on a ride, `locations.<hour>` off a ride), dropped
 *              whole when expired.
 *   packed     on FerretDB only: an ended ride's samples in one document (_id = ride id,
 *              the samples in one string: packed-trace.ts), in `packed.<end day>.<shard>`,
 *              written once when the ride ends, so /track of an ended ride converts one
 *              document instead of hundreds; dropped whole when expired, like the samples.
 *
 * All are INSERT-ONLY. FerretDB 1.24 runs every find/update/findAndModify as a full scan
 * of the collection, even by _id (measured: an upsert by _id 35 ms at 1k documents, 880 ms
 * at 30k), while insertOne stays flat (~1 ms). So the hot paths (every ride event, every
 * position) only insert here; the live state they need lives in Redis (ride-state.ts,
 * trip-trace.ts, active-ride.ts). MongoDB is READ only by the rare GET /rides/{id}/track
 * and as the fallback of /distance once a ride's Redis keys have expired; real MongoDB
 * serves those reads from the indexes, FerretDB scans the ride's timeline shard and reads
 * its packed trace (or, for a ride without one, scans the ride's shard of its hours).
 * The _id of a timeline document is the event's key, so a redelivered event fails with
 * E11000 instead of being recorded twice. No geospatial queries: FerretDB has none.
 * Concurrent inserts into a collection share one insertMany per round trip (batched-insert.ts).
 */
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';
import { mongo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { logger } from '../../platform/logger.js';
import { batchedInserter, DocumentRejectedError, oneAtATime, outcomesOf, type Gate, type InsertOutcome } from './batched-insert.js';
import { TIMELINE_SHARDS, expiredPartitions, packedPartition, partitionOf, resolveMode, retainedSince, retentionSettings, rideTracePartitions, timelinePartition, trimGate, type StorageMode } from './retention.js';

export interface TimelineDoc {
  /** `<source> <id>` of the CloudEvent. */
  _id: string;
  rideId: string;
  riderId?: string;
  /** The ride's assigned driver, when this event names one (see ASSIGNED_DRIVER_TYPES). */
  driverId?: string;
  /** CloudEvent type, e.g. microride.ride.accepted */
  type: string;
  /** Lifecycle rank of the type (lifecycle.ts). */
  rank: number;
  /** When it happened (CloudEvent `time`, else when it was received). */
  at: Date;
  /** Where it happened: the pickup for a request, else the driver's position then. */
  location?: { lat: number; lon: number };
}

export interface LocationDoc {
  driverId: string;
  rideId: string | null;
  at: Date;
  lat: number;
  lon: number;
  heading: number | null;
  speedKmh: number | null;
}

/** An ended ride's samples in one document (trim mode): `trace` is packed-trace.ts's encoding. */
export interface PackedTraceDoc {
  /** The ride id. */
  _id: string;
  endedAt: Date;
  trace: string;
}

/** The timeline of MONGO_TTL_MODE=index, or the name given (a trim mode partition). */
export const timelineCollection = (name = 'timeline'): Collection<TimelineDoc> => mongo().collection<TimelineDoc>(name);

/** The collection that holds a ride's timeline in the current mode. */
export async function timelineCollectionOf(rideId: string): Promise<Collection<TimelineDoc>> {
  return timelineCollection((await storageMode()) === 'trim' ? timelinePartition(rideId) : 'timeline');
}
/** The samples of MONGO_TTL_MODE=index (trim mode writes the partitions of retention.ts). */
export const locationsCollection = (name = 'locations'): Collection<LocationDoc> => mongo().collection<LocationDoc>(name);

const modes = new Map<string, Promise<StorageMode>>();

/** index or trim (retention.ts), asked of the server once per process, database and setting. */
export function storageMode(): Promise<StorageMode> {
  const setting = retentionSettings().MONGO_TTL_MODE;
  const key = `${config().MONGO_DB} ${setting}`;
  let p = modes.get(key);
  if (!p) {
    p = setting === 'auto' ? mongo().admin().command({ buildInfo: 1 }).then((info) => resolveMode(setting, info)) : Promise.resolve(setting);
    p.catch(() => modes.delete(key));
    modes.set(key, p);
  }
  return p;
}

const INDEX_OPTIONS_CONFLICT = 85;

/** The TTL index, or its window changed to the current setting when it exists with another. */
async function ensureExpiryIndex(): Promise<void> {
  const expireAfterSeconds = retentionSettings().LOCATION_RETENTION_HOURS * 3600;
  try {
    await locationsCollection().createIndex({ at: 1 }, { name: 'expiry', expireAfterSeconds });
  } catch (err) {
    if ((err as { code?: unknown }).code !== INDEX_OPTIONS_CONFLICT) throw err;
    await mongo().command({ collMod: 'locations', index: { name: 'expiry', expireAfterSeconds } });
  }
}

const ensured = new Map<string, Promise<void>>();
/** Per database: whether it still has the unpartitioned `timeline` of before the partitions (trim mode; set by ensureIndexes). */
const legacyTimelines = new Map<string, boolean>();

/**
 * Creates the indexes once per process and database (createIndex is idempotent anyway).
 * FerretDB ignores them for speed; real MongoDB uses them for the reads of track/fallback,
 * and its TTL monitor expires samples through `expiry`. In trim mode `locations` gets none:
 * FerretDB refuses the TTL index and would not use the others.
 */
export function ensureIndexes(): Promise<void> {
  const dbName = config().MONGO_DB;
  let p = ensured.get(dbName);
  if (!p) {
    p = (async () => {
      if ((await storageMode()) === 'index') {
        await locationsCollection().createIndex({ rideId: 1, at: 1 }, { name: 'ride_time' });
        await ensureExpiryIndex();
        // Not in trim mode: FerretDB would not use it, and it would create the unpartitioned
        // collection that timelineOf reads as a leftover (legacyTimelines).
        await timelineCollection().createIndex({ rideId: 1 }, { name: 'ride' });
      } else {
        // A `timeline` left from before the partitions: its events stay readable (each read
        // scans it too) until it is moved into them (`npx tsx scripts/partition-timeline.ts`).
        // Asked once per process, with the indexes, so the reads themselves list nothing.
        const legacy = await mongo().listCollections({ name: 'timeline' }, { nameOnly: true }).toArray();
        legacyTimelines.set(dbName, legacy.length > 0);
      }
    })();
    // A failed attempt (store down) must be retried by the next caller, not cached.
    p.catch(() => ensured.delete(dbName));
    ensured.set(dbName, p);
  }
  return p;
}

const insertLocation = batchedInserter(() => locationsCollection());

/** A batched inserter per collection; forgotten wholesale now and then (in-flight batches finish on their own). */
interface Inserters<T extends Document> {
  (name: string, doc: OptionalUnlessRequiredId<T>): Promise<InsertOutcome>;
  /** Drops the inserter of a collection that is gone. */
  forget(name: string): void;
}
/**
 * Inserters kept before the map is forgotten: above the timeline's shard count, so its
 * shards keep theirs (at 1,000 the 1,024 shards emptied the map every few inserts); the
 * sample shards roll over with the hour, so the map still needs a bound.
 */
const MAX_INSERTERS = 4 * TIMELINE_SHARDS;
function inserters<T extends Document>(collection: (name: string) => Collection<T>, gate?: Gate): Inserters<T> {
  const byName = new Map<string, (doc: OptionalUnlessRequiredId<T>) => Promise<InsertOutcome>>();
  const insert = (name: string, doc: OptionalUnlessRequiredId<T>): Promise<InsertOutcome> => {
    let one = byName.get(name);
    if (!one) {
      if (byName.size >= MAX_INSERTERS) byName.clear();
      one = batchedInserter(() => collection(name), undefined, gate);
      byName.set(name, one);
    }
    return one(doc);
  };
  return Object.assign(insert, { forget: (name: string) => void byName.delete(name) });
}
/**
 * Samples of rides go to their ride's shard of the hour: one command at a time per process
 * too (see the timeline below). At 1,000 pings/s this took the live push's p99 from 52–59
 * to ~31 ms, at the price of the ping's own answer waiting its turn (p50 6 → 11–23 ms)
 * (docs/performance.md, "Live driver positions").
 */
const insertIntoPartition = inserters<LocationDoc>(locationsCollection, oneAtATime());
/**
 * The timeline's shards take one command at a time per process: the events of many rides
 * go to as many shards, so they cannot share a batch, and FerretDB's SQLite takes one
 * writer at a time; concurrent one-document inserts into different shards cost it several
 * times their CPU in lock retries (docs/performance.md, "The ride's timeline in shards").
 * Events of one shard that arrive meanwhile still join one command.
 */
const insertTimelineInto = inserters<TimelineDoc>(timelineCollection, oneAtATime());
const insertPackedInto = inserters<PackedTraceDoc>((name) => mongo().collection<PackedTraceDoc>(name));

/** Records one ride event; 'duplicate' when an event with the same key is already there (its ride's partition: an event's ride never changes). */
export async function insertTimelineDoc(doc: TimelineDoc): Promise<'inserted' | 'duplicate'> {
  await ensureIndexes();
  return insertTimelineInto((await timelineCollectionOf(doc.rideId)).collectionName, doc);
}

/**
 * Moves the events of a `timeline` left from before the partitions into them, then drops it
 * (trim mode; index mode keeps `timeline`: 0). Safe to run again or beside the service: an
 * event already in its partition is a duplicate key, skipped. Returns the events read.
 */
export async function moveLegacyTimeline(batch = 1000): Promise<number> {
  await ensureIndexes();
  if ((await storageMode()) !== 'trim') return 0;
  let moved = 0;
  const flush = async (docs: TimelineDoc[]) => {
    const byPartition = new Map<string, TimelineDoc[]>();
    for (const d of docs) byPartition.set(timelinePartition(d.rideId), [...(byPartition.get(timelinePartition(d.rideId)) ?? []), d]);
    for (const [name, part] of byPartition) {
      const outcomes = await timelineCollection(name).insertMany(part, { ordered: false }).then(() => [], (err: unknown) => outcomesOf(err, part.length));
      const failed = outcomes.find((o): o is Error => o instanceof Error);
      if (failed) throw failed;
    }
    moved += docs.length;
  };
  let docs: TimelineDoc[] = [];
  for await (const d of timelineCollection().find({}, { batchSize: batch })) {
    docs.push(d);
    if (docs.length >= batch) {
      await flush(docs);
      docs = [];
    }
  }
  await flush(docs);
  await timelineCollection().drop().catch((err: unknown) => {
    if ((err as { code?: unknown }).code !== 26) throw err;
  });
  legacyTimelines.set(config().MONGO_DB, false);
  return moved;
}

/** Every collection holding timeline events in this database (each shard, and `timeline`): for whole-timeline jobs, not for a ride's read. */
export async function timelineCollections(): Promise<Collection<TimelineDoc>[]> {
  const names = (await mongo().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  return names.filter((n) => /^timeline(?:\.\d+)?$/.test(n)).map((n) => timelineCollection(n));
}

/**
 * Every recorded event of a ride, in no particular order: through the {rideId} index on
 * MongoDB; on FerretDB a scan of the ride's timeline shard (and of a leftover unpartitioned
 * `timeline`, if any).
 */
export async function timelineOf(rideId: string): Promise<TimelineDoc[]> {
  await ensureIndexes();
  const own = await timelineCollectionOf(rideId);
  const read = (c: Collection<TimelineDoc>) => c.find({ rideId }, { batchSize: TRACE_BATCH }).toArray();
  if (own.collectionName === 'timeline' || !legacyTimelines.get(config().MONGO_DB)) return read(own);
  return (await Promise.all([read(own), read(timelineCollection())])).flat();
}

const trimDue = trimGate();
let trimming: Promise<unknown> = Promise.resolve();

/** Settles when the trim the writer started last has (tests wait for it instead of sleeping). */
export const writerTrim = (): Promise<unknown> => trimming;

/**
 * Stores one sample (the driver gives it an ObjectId _id, so a duplicate means the same object twice: an error, as with insertOne).
 * In trim mode it also starts a trim at most once per TRIM_INTERVAL_MS, without waiting for it.
 */
export async function insertSample(sample: LocationDoc): Promise<void> {
  await ensureIndexes();
  const trim = (await storageMode()) === 'trim';
  const outcome = trim ? await insertIntoPartition(partitionOf(sample), sample) : await insertLocation(sample);
  if (outcome === 'duplicate') {
    throw new DocumentRejectedError('E11000 duplicate key error collection: locations', 11000);
  }
  if (trim && trimDue(Date.now())) {
    // Not awaited: the ping must not wait for a trim, and a failed trim is retried next interval.
    trimming = trimExpired(new Date()).then(
      (dropped) => dropped.length > 0 && logger().info({ dropped: dropped.length }, 'tracking: expired location partitions dropped'),
      (err: unknown) => logger().warn({ err }, 'tracking: location trim failed; retried after the next interval'),
    );
  }
}

/**
 * One batch for a whole trace: the default first batch (101 documents) leaves a ride's 200
 * samples half to a getMore, a second round trip and cursor that cost FerretDB as much as
 * the documents' conversion (a quarter of the read, docs/performance.md).
 */
const TRACE_BATCH = 20_000;

/**
 * A ride's samples taken in [from, to], oldest first: through the {rideId, at} index on
 * MongoDB, by scanning only the ride's shard of the hours it spans on FerretDB.
 */
export async function samplesOfRide(rideId: string, from: Date, to: Date, limit = 20_000, now = new Date()): Promise<LocationDoc[]> {
  await ensureIndexes();
  if ((await storageMode()) === 'index') {
    return locationsCollection().find({ rideId, at: { $gte: from, $lte: to } }, { projection: { _id: 0 }, batchSize: Math.min(limit, TRACE_BATCH) }).sort({ at: 1 }).limit(limit).toArray();
  }
  // Partitions older than the window are gone: a ride that never ended does not cost a read per hour since.
  const since = retainedSince(now, retentionSettings().LOCATION_RETENTION_HOURS);
  const names = rideTracePartitions(rideId, from > since ? from : since, to);
  // The rideId filter goes to the server (fewer documents on the wire); the time range and
  // the order are applied here: FerretDB evaluates them in Go per document anyway, and the
  // few samples of the partition outside [from, to] are the hour's edges of this ride.
  const parts = await Promise.all(names.map((n) => locationsCollection(n).find({ rideId }, { projection: { _id: 0 }, batchSize: TRACE_BATCH }).toArray()));
  return parts
    .flat()
    .filter((s) => s.at >= from && s.at <= to)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .slice(0, limit);
}

/**
 * Removes the samples older than LOCATION_RETENTION_HOURS at `now`, in trim mode: drops the
 * expired partitions and returns their names (index mode: the TTL monitor does it; []).
 */
export async function trimExpired(now: Date): Promise<string[]> {
  if ((await storageMode()) !== 'trim') return [];
  const names = (await mongo().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  const expired = expiredPartitions(names, now, retentionSettings().LOCATION_RETENTION_HOURS);
  for (const name of expired) {
    insertIntoPartition.forget(name);
    insertPackedInto.forget(name);
    // A concurrent trim (another process) may have dropped it first: that is the same outcome.
    await mongo().collection(name).drop().catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 26) throw err;
    });
  }
  return expired;
}

/**
 * Stores an ended ride's packed trace (trim mode; index mode reads the samples through its
 * index and stores none: 'skipped'). Written once: a second write for the ride (a
 * redelivered end event) finds its _id and is 'duplicate', whatever it carried.
 */
export async function insertPackedTrace(doc: PackedTraceDoc): Promise<InsertOutcome | 'skipped'> {
  if ((await storageMode()) !== 'trim') return 'skipped';
  return insertPackedInto(packedPartition(doc._id, doc.endedAt), doc);
}

/** The packed trace of a ride that ended at `endedAt`; null when none was written (trim mode only). */
export async function packedTraceOf(rideId: string, endedAt: Date): Promise<PackedTraceDoc | null> {
  // By _id: the only filter FerretDB on SQLite evaluates in SQL, so the partition's other
  // rides (a day's / TRACE_SHARDS) are compared there, and only this one is decoded.
  return mongo().collection<PackedTraceDoc>(packedPartition(rideId, endedAt)).findOne({ _id: rideId });
}
