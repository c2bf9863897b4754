import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { driverCancelled, tripAccepted, tripEnded, type TripOutcome } from './trips.js';

const spec = eventSpec('drivers-trip-status');

/** The ride events that move a driver's availability, as delivered (data already validated against the catalog). */
export type TripEvent =
  | { type: 'microride.ride.accepted' | 'microride.ride.completed'; data: { rideId: string; driverId: string } }
  | { type: 'microride.ride.cancelled'; data: { rideId: string; driverId: string | null } }
  | { type: 'microride.ride.rematching'; data: { rideId: string; driverId: string; from: 'accepted' | 'arrived'; reason?: string | undefined } };

/** The trip steps in PostgreSQL (trips.ts) by default, fakes in the unit test. */
export interface Stores {
  tripAccepted(rideId: string, driverUserId: string): Promise<TripOutcome>;
  tripEnded(rideId: string, driverUserId: string): Promise<TripOutcome>;
  driverCancelled(c: { rideId: string; driverUserId: string; from: 'accepted' | 'arrived'; reason: string | null }): Promise<boolean>;
}

/**
 * Availability follows the driver's trips: on_trip from acceptance, back online when that
 * ride ends for them (completed, cancelled, or given back before pickup: ride.rematching,
 * which also counts against the driver). Idempotent and order-tolerant by construction
 * (see trips.ts), so no Dedupe.
 */
export async function handle(event: TripEvent, { log }: { log: Pick<Logger, 'info'> }, stores: Stores = { tripAccepted, tripEnded, driverCancelled }): Promise<void> {
  const { rideId, driverId } = event.data;
  if (event.type === 'microride.ride.accepted') {
    const outcome = await stores.tripAccepted(rideId, event.data.driverId);
    log.info({ rideId, driverId, outcome }, 'trip accepted');
    return;
  }
  if (event.type === 'microride.ride.rematching') {
    const d = event.data;
    const [outcome, counted] = await Promise.all([
      stores.tripEnded(rideId, d.driverId),
      stores.driverCancelled({ rideId, driverUserId: d.driverId, from: d.from, reason: d.reason ?? null }),
    ]);
    log.info({ rideId, driverId, outcome, counted }, 'driver gave the ride back before pickup');
    return;
  }
  // Cancelled before a driver accepted: nobody's availability changes.
  if (!driverId) return;
  const outcome = await stores.tripEnded(rideId, driverId);
  log.info({ rideId, driverId, outcome }, event.type === 'microride.ride.completed' ? 'trip completed' : 'trip cancelled');
}

export default createEventApp(
  spec,
  {
    'microride.ride.accepted': (e, ctx) => handle(e, ctx),
    'microride.ride.completed': (e, ctx) => handle(e, ctx),
    'microride.ride.cancelled': (e, ctx) => handle(e, ctx),
    'microride.ride.rematching': (e, ctx) => handle(e, ctx),
  },
  { dedupe: noDedupe() },
);
