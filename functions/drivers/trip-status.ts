import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { tripAccepted, tripEnded } from './trips.js';

const spec = eventSpec('drivers-trip-status');

/**
 * Availability follows the driver's trips: on_trip from acceptance, back online when that
 * ride ends. Idempotent and order-tolerant by construction (see trips.ts), so no Dedupe.
 */
export default createEventApp(
  spec,
  {
    'microride.ride.accepted': async (e, { log }) => {
      const outcome = await tripAccepted(e.data.rideId, e.data.driverId);
      log.info({ rideId: e.data.rideId, driverId: e.data.driverId, outcome }, 'trip accepted');
    },
    'microride.ride.completed': async (e, { log }) => {
      const outcome = await tripEnded(e.data.rideId, e.data.driverId);
      log.info({ rideId: e.data.rideId, driverId: e.data.driverId, outcome }, 'trip completed');
    },
    'microride.ride.cancelled': async (e, { log }) => {
      // Cancelled before a driver accepted: nobody's availability changes.
      if (!e.data.driverId) return;
      const outcome = await tripEnded(e.data.rideId, e.data.driverId);
      log.info({ rideId: e.data.rideId, driverId: e.data.driverId, outcome }, 'trip cancelled');
    },
  },
  { dedupe: noDedupe() },
);
