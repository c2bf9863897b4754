/**
 * Applies a ride event to tracking's view of the ride, built only from the ride events it
 * consumes (it never reads the rides service's database). Steps, all idempotent, so a
 * failure anywhere throws and the broker's redelivery finishes the job:
 *   1. insert the event into MongoDB's timeline (its key is the _id: a redelivery is a
 *      duplicate-key error, taken as "already there");
 *   2. apply it to the ride's live state in Redis (ride-state.ts: summary, seen-set,
 *      driver → active ride pointer), which skips events it has applied before;
 *   3. for an event that ends the ride, on FerretDB: pack the ride's trace into one
 *      document (packed-trace.ts; its _id is the ride id, so again "already there" on a
 *      redelivery). Done for a duplicate too, so the redelivery of an event whose packing
 *      failed finishes it.
 * MongoDB is only written here, never read: see store.ts for why.
 */
import { insertTimelineDoc, type TimelineDoc } from './store.js';
import { applyToRideState, RIDE_STATE_TTL_SECONDS } from './ride-state.js';
import { ASSIGNED_DRIVER_TYPES, RELEASES_DRIVER_TYPES, endsRide, rankOf } from './lifecycle.js';
import { driverPlace, type DriverLookup } from './place.js';
import { liveDriver } from './live-index.js';
import { packTrace } from './packed-trace.js';

export interface RideEvent {
  id: string;
  source: string;
  type: string;
  /** CloudEvent `time`; when absent, the time it was received. */
  time?: string | Date | undefined;
  data: Record<string, unknown>;
}

/** 'ignored': not a ride event tracking knows, or no ride id. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'ignored';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const pointOf = (v: unknown): { lat: number; lon: number } | undefined => {
  const p = v as { lat?: unknown; lon?: unknown } | null;
  return p && typeof p.lat === 'number' && typeof p.lon === 'number' ? { lat: p.lat, lon: p.lon } : undefined;
};

/** The stores written (MongoDB's timeline and packed traces, Redis' live state) and the live index read for the place; fakes in unit tests. */
export interface RideLogStores {
  insertTimelineDoc: typeof insertTimelineDoc;
  applyToRideState: typeof applyToRideState;
  liveDriver: DriverLookup;
  packTrace: typeof packTrace;
}

export const rideLogStores: RideLogStores = { insertTimelineDoc, applyToRideState, liveDriver, packTrace };

export async function applyRideEvent(ev: RideEvent, receivedAt = new Date(), stores: RideLogStores = rideLogStores): Promise<ApplyOutcome> {
  const rank = rankOf(ev.type);
  const rideId = str(ev.data.rideId);
  if (rank === undefined || !rideId) return 'ignored';
  const stamped = ev.time ? new Date(ev.time) : undefined;
  const at = stamped && !Number.isNaN(stamped.getTime()) ? stamped : receivedAt;
  const riderId = str(ev.data.riderId);
  const releases = RELEASES_DRIVER_TYPES.has(ev.type);
  const driverId = ASSIGNED_DRIVER_TYPES.has(ev.type) || releases ? str(ev.data.driverId) : undefined;
  const eventKey = `${ev.source} ${ev.id}`;

  const doc: TimelineDoc = { _id: eventKey, rideId, type: ev.type, rank, at };
  if (riderId) doc.riderId = riderId;
  if (driverId && !releases) doc.driverId = driverId;
  const requested = ev.type === 'microride.ride.requested';
  const location = requested ? pointOf(ev.data.pickup) : driverId ? await driverPlace(driverId, at, stores.liveDriver) : undefined;
  if (location) doc.location = location;
  const stored = await stores.insertTimelineDoc(doc);

  // An event older than the live state's lifetime would only recreate a partial summary
  // of a ride whose keys have expired; /distance rebuilds such rides from MongoDB.
  if (receivedAt.getTime() - at.getTime() > RIDE_STATE_TTL_SECONDS * 1000) return stored === 'inserted' ? 'applied' : 'duplicate';

  const live = await stores.applyToRideState({
    eventKey, rideId, riderId, driverId, rank, at,
    ...(releases ? { releasesDriver: true } : {}),
    acceptedAt: ev.type === 'microride.ride.accepted' ? at : undefined,
    startedAt: ev.type === 'microride.ride.started' ? at : undefined,
    endedAt: endsRide(ev.type) ? at : undefined,
    // The live ETA's targets (live-push.ts): only `requested` names them.
    pickup: requested ? pointOf(ev.data.pickup) : undefined,
    dropoff: requested ? pointOf(ev.data.dropoff) : undefined,
  });
  if (endsRide(ev.type)) await stores.packTrace(rideId);
  // Already in MongoDB but new to Redis: this retry finished what a failure between the steps left half done.
  return stored === 'duplicate' && live === 'duplicate' ? 'duplicate' : 'applied';
}
