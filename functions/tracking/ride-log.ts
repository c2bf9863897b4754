/**
 * tracking's view of a ride, built only from the ride events it consumes (it never reads
 * the rides service's database). Delivery is at least once and unordered, so:
 *   - each event is applied once (its `source id` is recorded in the same atomic update);
 *   - the status is the highest lifecycle rank seen, so a late "accepted" after
 *     "completed" does not move the ride backwards;
 *   - the timeline is sorted by event time when read, not by arrival.
 */
import { MongoServerError } from 'mongodb';
import { ridesCollection, sampleNear, ensureIndexes, type RideDoc, type TimelineEntry } from './store.js';
import { setActiveRide, clearActiveRide } from './active-ride.js';

export type RideStatus = 'requested' | 'matching' | 'accepted' | 'arrived' | 'in_progress' | 'completed' | 'cancelled' | 'expired';

/** Lifecycle rank of each ride event type and the status it implies. Terminal ranks are ≥ TERMINAL_RANK. */
const lifecycle: Record<string, { rank: number; status: RideStatus }> = {
  'microride.ride.requested': { rank: 10, status: 'requested' },
  'microride.ride.offered': { rank: 20, status: 'matching' },
  'microride.ride.offer_expired': { rank: 20, status: 'matching' },
  'microride.ride.declined': { rank: 20, status: 'matching' },
  'microride.ride.accepted': { rank: 30, status: 'accepted' },
  'microride.ride.driver_arrived': { rank: 40, status: 'arrived' },
  'microride.ride.started': { rank: 50, status: 'in_progress' },
  'microride.ride.completed': { rank: 90, status: 'completed' },
  // A rating exists only for a completed ride.
  'microride.ride.rated': { rank: 90, status: 'completed' },
  'microride.ride.cancelled': { rank: 91, status: 'cancelled' },
  'microride.ride.expired': { rank: 92, status: 'expired' },
};
const TERMINAL_RANK = 90;
/** Event types whose `driverId` is the ride's assigned driver (in `declined` it is only an offered one). */
const ASSIGNED_DRIVER_TYPES = new Set([
  'microride.ride.accepted', 'microride.ride.driver_arrived', 'microride.ride.started',
  'microride.ride.completed', 'microride.ride.rated', 'microride.ride.cancelled',
]);
/** A driver sample this close before an event is "where it happened". */
const PLACE_MAX_AGE_MS = 60_000;

export const RIDE_EVENT_TYPES = Object.keys(lifecycle);

export function statusOf(rank: number): RideStatus {
  let best: RideStatus = 'requested';
  let bestRank = -1;
  for (const { rank: r, status } of Object.values(lifecycle)) {
    if (r <= rank && r > bestRank) {
      best = status;
      bestRank = r;
    }
  }
  return best;
}

export const isTerminal = (doc: Pick<RideDoc, 'rank'>) => doc.rank >= TERMINAL_RANK;
export const isActiveForDriver = (doc: Pick<RideDoc, 'rank' | 'driverId'>) => !!doc.driverId && doc.rank >= 30 && doc.rank < TERMINAL_RANK;

export interface RideEvent {
  id: string;
  source: string;
  type: string;
  /** CloudEvent `time`; when absent, the time it was received. */
  time?: string | Date | undefined;
  data: Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const pointOf = (v: unknown): { lat: number; lon: number } | undefined => {
  const p = v as { lat?: unknown; lon?: unknown } | null;
  return p && typeof p.lat === 'number' && typeof p.lon === 'number' ? { lat: p.lat, lon: p.lon } : undefined;
};

/** Applies one ride event; returns the ride document after it (or as it was, for a duplicate). */
export async function applyRideEvent(ev: RideEvent, receivedAt = new Date()): Promise<{ doc: RideDoc | null; duplicate: boolean }> {
  const step = lifecycle[ev.type];
  const rideId = str(ev.data.rideId);
  if (!step || !rideId) return { doc: null, duplicate: false };
  await ensureIndexes();
  const at = ev.time ? new Date(ev.time) : receivedAt;
  const eventKey = `${ev.source} ${ev.id}`;
  const riderId = str(ev.data.riderId);
  const driverId = ASSIGNED_DRIVER_TYPES.has(ev.type) ? str(ev.data.driverId) : undefined;

  const entry: TimelineEntry = { type: ev.type, at };
  const place = ev.type === 'microride.ride.requested' ? pointOf(ev.data.pickup) : driverId ? await driverPlace(driverId, at) : undefined;
  if (place) entry.location = place;

  const set: Partial<RideDoc> = { updatedAt: receivedAt };
  if (riderId) set.riderId = riderId;
  if (driverId) set.driverId = driverId;
  if (ev.type === 'microride.ride.requested') {
    const pickup = pointOf(ev.data.pickup);
    const dropoff = pointOf(ev.data.dropoff);
    if (pickup) set.pickup = pickup;
    if (dropoff) set.dropoff = dropoff;
  }
  const min: Partial<RideDoc> = {};
  if (ev.type === 'microride.ride.accepted') min.acceptedAt = at;
  if (ev.type === 'microride.ride.started') min.startedAt = at;
  if (step.rank >= TERMINAL_RANK && ev.type !== 'microride.ride.rated') min.endedAt = at;

  let doc: RideDoc | null;
  try {
    doc = await ridesCollection().findOneAndUpdate(
      { _id: rideId, events: { $ne: eventKey } },
      {
        $set: set,
        $max: { rank: step.rank },
        ...(Object.keys(min).length ? { $min: min } : {}),
        $push: { timeline: entry },
        $addToSet: { events: eventKey },
      },
      { upsert: true, returnDocument: 'after' },
    );
  } catch (err) {
    // The filter missed because the event is already recorded, so the upsert hit the _id.
    if (err instanceof MongoServerError && err.code === 11000) {
      return { doc: await ridesCollection().findOne({ _id: rideId }), duplicate: true };
    }
    throw err;
  }
  if (doc) await syncActiveRide(doc);
  return { doc, duplicate: false };
}

/**
 * Keeps "which ride is this driver on" (used to tag location samples) in step. Setting
 * the pointer and re-reading afterwards closes the race with a concurrent terminal event:
 * whichever of the two writes the pointer last, the re-read sees the terminal rank.
 */
async function syncActiveRide(doc: RideDoc): Promise<void> {
  if (!doc.driverId) return;
  if (isActiveForDriver(doc)) {
    await setActiveRide(doc.driverId, doc._id, doc.acceptedAt ?? doc.updatedAt);
    const now = await ridesCollection().findOne({ _id: doc._id }, { projection: { rank: 1 } });
    if (now && isTerminal(now)) await clearActiveRide(doc.driverId, doc._id);
  } else if (isTerminal(doc)) {
    await clearActiveRide(doc.driverId, doc._id);
  }
}

async function driverPlace(driverId: string, at: Date): Promise<{ lat: number; lon: number } | undefined> {
  const s = await sampleNear(driverId, at, PLACE_MAX_AGE_MS);
  return s ? { lat: s.lat, lon: s.lon } : undefined;
}

export function sortedTimeline(doc: RideDoc): TimelineEntry[] {
  return [...doc.timeline].sort((a, b) => a.at.getTime() - b.at.getTime());
}
