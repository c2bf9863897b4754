/**
 * tracking's MongoDB documents (FerretDB 1.24 locally; MongoDB in the cluster).
 *   rides      one document per ride: participants, status, timeline of every state change
 *   locations  driver position samples (the trace); index {driverId, at}
 * Only plain CRUD, $push/$addToSet/$max/$min and range queries: FerretDB has no geospatial
 * queries and pushes few filters down to SQLite, so nothing here relies on either.
 */
import type { Collection } from 'mongodb';
import { mongo } from '../runtime/clients.js';
import { config } from '../runtime/config.js';

export interface TimelineEntry {
  /** CloudEvent type, e.g. microride.ride.accepted */
  type: string;
  at: Date;
  location?: { lat: number; lon: number };
}

export interface RideDoc {
  _id: string;
  riderId?: string;
  driverId?: string;
  pickup?: { lat: number; lon: number };
  dropoff?: { lat: number; lon: number };
  /** Highest lifecycle rank seen; the status is derived from it (see ride-log.ts). */
  rank: number;
  timeline: TimelineEntry[];
  /** `source id` of every event applied, so a redelivered event is not applied twice. */
  events: string[];
  acceptedAt?: Date;
  startedAt?: Date;
  endedAt?: Date;
  updatedAt: Date;
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

export const ridesCollection = (): Collection<RideDoc> => mongo().collection<RideDoc>('rides');
export const locationsCollection = (): Collection<LocationDoc> => mongo().collection<LocationDoc>('locations');

const ensured = new Map<string, Promise<void>>();

/** Creates the indexes once per process and database (createIndex is idempotent anyway). */
export function ensureIndexes(): Promise<void> {
  const dbName = config().MONGO_DB;
  let p = ensured.get(dbName);
  if (!p) {
    p = (async () => {
      await locationsCollection().createIndex({ driverId: 1, at: 1 }, { name: 'driver_time' });
      await ridesCollection().createIndex({ driverId: 1 }, { name: 'driver' });
      await ridesCollection().createIndex({ riderId: 1 }, { name: 'rider' });
    })();
    // A failed attempt (store down) must be retried by the next caller, not cached.
    p.catch(() => ensured.delete(dbName));
    ensured.set(dbName, p);
  }
  return p;
}

export async function insertSample(sample: LocationDoc): Promise<void> {
  await ensureIndexes();
  await locationsCollection().insertOne(sample);
}

/** A driver's samples in [from, to], oldest first. */
export async function samplesBetween(driverId: string, from: Date, to: Date, limit = 20_000): Promise<LocationDoc[]> {
  await ensureIndexes();
  return locationsCollection()
    .find({ driverId, at: { $gte: from, $lte: to } }, { projection: { _id: 0 } })
    .sort({ at: 1 })
    .limit(limit)
    .toArray();
}

/** The driver's last sample at or before `at`, if it is at most `maxAgeMs` older. */
export async function sampleNear(driverId: string, at: Date, maxAgeMs: number): Promise<LocationDoc | null> {
  await ensureIndexes();
  return locationsCollection().findOne(
    { driverId, at: { $gte: new Date(at.getTime() - maxAgeMs), $lte: at } },
    { projection: { _id: 0 }, sort: { at: -1 } },
  );
}

export async function findRide(rideId: string): Promise<RideDoc | null> {
  return ridesCollection().findOne({ _id: rideId });
}
