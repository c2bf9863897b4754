/**
 * tracking's MongoDB documents (FerretDB 1.24 locally; MongoDB in the cluster).
 *   timeline   one document per applied ride event, _id = "<source> <id>"; index {rideId}
 *   locations  driver position samples (the trace); index {driverId, at}
 *
 * Both are INSERT-ONLY. FerretDB 1.24 runs every find/update/findAndModify as a full scan
 * of the collection, even by _id (measured: an upsert by _id 35 ms at 1k documents, 880 ms
 * at 30k), while insertOne stays flat (~1 ms). So the hot paths (every ride event, every
 * position) only insert here; the live state they need lives in Redis (ride-state.ts,
 * trip-trace.ts, active-ride.ts). MongoDB is READ only by the rare GET /rides/{id}/track
 * and as the fallback of /distance once a ride's Redis keys have expired; real MongoDB
 * serves those reads from the indexes, FerretDB scans but stays correct.
 * The _id of a timeline document is the event's key, so a redelivered event fails with
 * E11000 instead of being recorded twice. No geospatial queries: FerretDB has none.
 * Concurrent inserts into a collection share one insertMany per round trip (batched-insert.ts).
 */
import type { Collection } from 'mongodb';
import { mongo } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { batchedInserter, DocumentRejectedError } from './batched-insert.js';

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
export const locationsCollection = (): Collection<LocationDoc> => mongo().collection<LocationDoc>('locations');

const ensured = new Map<string, Promise<void>>();

/**
 * Creates the indexes once per process and database (createIndex is idempotent anyway).
 * FerretDB ignores them for speed; real MongoDB uses them for the reads of track/fallback.
 */
export function ensureIndexes(): Promise<void> {
  const dbName = config().MONGO_DB;
  let p = ensured.get(dbName);
  if (!p) {
    p = (async () => {
      await locationsCollection().createIndex({ driverId: 1, at: 1 }, { name: 'driver_time' });
      await timelineCollection().createIndex({ rideId: 1 }, { name: 'ride' });
    })();
    // A failed attempt (store down) must be retried by the next caller, not cached.
    p.catch(() => ensured.delete(dbName));
    ensured.set(dbName, p);
  }
  return p;
}

const insertTimeline = batchedInserter(timelineCollection);
const insertLocation = batchedInserter(locationsCollection);

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

/** Stores one sample (the driver gives it an ObjectId _id, so a duplicate means the same object twice: an error, as with insertOne). */
export async function insertSample(sample: LocationDoc): Promise<void> {
  await ensureIndexes();
  if ((await insertLocation(sample)) === 'duplicate') {
    throw new DocumentRejectedError('E11000 duplicate key error collection: locations', 11000);
  }
}

/** A driver's samples in [from, to], oldest first (a scan on FerretDB: rare reads only). */
export async function samplesBetween(driverId: string, from: Date, to: Date, limit = 20_000): Promise<LocationDoc[]> {
  await ensureIndexes();
  return locationsCollection()
    .find({ driverId, at: { $gte: from, $lte: to } }, { projection: { _id: 0 } })
    .sort({ at: 1 })
    .limit(limit)
    .toArray();
}
