import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { rideRated } from './trips.js';

const spec = eventSpec('drivers-rating');

/** One rating per ride (keyed by ride id), so a redelivered event counts once without a Dedupe store. */
export default createEventApp(
  spec,
  {
    'microride.ride.rated': async (e, { log }) => {
      const outcome = await rideRated(e.data.rideId, e.data.driverId, e.data.stars);
      if (outcome === 'no_driver') log.warn({ rideId: e.data.rideId, driverId: e.data.driverId }, 'rating for a driver without a profile');
    },
  },
  { dedupe: noDedupe() },
);
