import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { rideRated, type RatingOutcome } from './trips.js';

const spec = eventSpec('drivers-rating');

/** The rating step in PostgreSQL (trips.ts) by default, a fake in the unit test. */
export interface Stores {
  rideRated(rideId: string, driverUserId: string, stars: number): Promise<RatingOutcome>;
}

/** One rating per ride (keyed by ride id), so a redelivered event counts once without a Dedupe store. */
export async function handle(
  { rideId, driverId, stars }: { rideId: string; driverId: string; stars: number },
  { log }: { log: Pick<Logger, 'warn'> },
  stores: Stores = { rideRated },
): Promise<void> {
  const outcome = await stores.rideRated(rideId, driverId, stars);
  if (outcome === 'no_driver') log.warn({ rideId, driverId }, 'rating for a driver without a profile');
}

export default createEventApp(spec, { 'microride.ride.rated': (e, ctx) => handle(e.data, ctx) }, { dedupe: noDedupe() });
