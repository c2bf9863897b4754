/**
 * tracking's MongoDB documents (FerretDB 1.24 locally; MongoDB in the cluster).
 *   timeline   one document per applied ride event, _id = "<source> <id>"; index {rideId}
 *   samples    driver position samples (the trace), kept LOCATION_RETENTION_HOURS, in one of
 *              two shapes (retention.ts): on MongoDB one `locations` collection with a TTL
 *              index on `at` and an index {rideId, at}; on FerretDB collections per UTC hour
 *              (`trace.<hour>.<shard>` on a ride, `locations.<hour>` off a ride), dropped
 *              whole when expired.
 *
 * Both are INSERT-ONLY. FerretDB 1.24 runs every find/update/findAndModify as a full scan
 * of the collection, even by _id (measured: an upsert by _id 35 ms at 1k documents, 880 ms
 * at 30k), while insertOne stays flat (~1 ms). So the hot paths (every ride event, every
 * position) only insert here; the live state they need lives in Redis (ride-state.ts,
 * trip-trace.ts, active-ride.ts). MongoDB is READ only by the rare GET /rides/{id}/track
 * and as the fallback of /distance once a ride's Redis keys have expired; real MongoDB
 * serves those reads from the indexes, FerretDB scans the ride's shard of its hours.
 * The _id of a timeline document is the event's key, so a redelivered event fails with
 * E11000 instead of being recorded twice. No geospatial queries: FerretDB has none.
 * Concurrent inserts into a collection share one insertMany per round trip (batched-insert.ts).
 */
import type { Collection } from 'mongodb';
import { mongo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { logger } from '../../platform/logger.js';
import { batchedInserter, DocumentRejectedError, type InsertOutcome } from './batched-insert.js';
import { expiredPartitions, partitionOf, resolveMode, retainedSince, retentionSettings, rideTracePartitions, trimGate, type StorageMode } from './retention.js';

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

export const timelineCollection = (): Collection<TimelineDoc> => mongo().collection<TimelineDoc>('timeline');
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
      }
      await timelineCollection().createIndex({ rideId: 1 }, { name: 'ride' });
    })();
    // A failed attempt (store down) must be retried by the next caller, not cached.
    p.catch(() => ensured.delete(dbName));
    ensured.set(dbName, p);
  }
  return p;
}

const insertTimeline = batchedInserter(timelineCollection);
const insertLocation = batchedInserter(() => locationsCollection());

/** One batched inserter per partition; forgotten wholesale now and then (in-flight batches finish on their own). */
const partitionInserters = new Map<string, (doc: LocationDoc) => Promise<InsertOutcome>>();
function insertIntoPartition(name: string, doc: LocationDoc): Promise<InsertOutcome> {
  let insert = partitionInserters.get(name);
  if (!insert) {
    if (partitionInserters.size >= 1000) partitionInserters.clear();
    insert = batchedInserter(() => locationsCollection(name));
    partitionInserters.set(name, insert);
  }
  return insert(doc);
}

/** Records one ride event; 'duplicate' when an event with the same key is already there. */
export async function insertTimelineDoc(doc: TimelineDoc): Promise<'inserted' | 'duplicate'> {
  await ensureIndexes();
  return insertTimeline(doc);
}

/** Every recorded event of a ride, in no particular order (a scan on FerretDB: rare reads only). */
export async function timelineOf(rideId: string): Promise<TimelineDoc[]> {
  await ensureIndexes();
  return timelineCollection().find({ rideId }).toArray();
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
    partitionInserters.delete(name);
    // A concurrent trim (another process) may have dropped it first: that is the same outcome.
    await mongo().collection(name).drop().catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 26) throw err;
    });
  }
  return expired;
}
