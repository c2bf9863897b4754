import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { adjustOpenRequests, cellOf } from '../tracking/live-index.js';
import { openRide } from './state.js';
import { runRound } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-request');

/**
 * A new ride: open its matching state (which claims the first search), count it as open
 * demand in its cell (surge), offer it to the nearest available drivers and hand the round
 * to rides. Nobody near: the sweep looks again shortly.
 */
export default createEventApp(
  spec,
  {
    'microride.ride.requested': async (event, { log }) => {
      const d = event.data;
      const ride = { rideId: d.rideId, riderId: d.riderId, vehicleClass: d.vehicleClass, lat: d.pickup.lat, lon: d.pickup.lon, cell: cellOf(d.pickup.lat, d.pickup.lon) };
      if (!(await openRide(ride))) {
        // Seen before: a redelivery, maybe of a try that decided the first round but could
        // not hand it to rides; then the round is handed over again. Also a cancel that
        // overtook the request, or a delivery still searching: nothing to do.
        const standing = await runRound(d.rideId, 0);
        if (standing) await announceRound(spec, standing);
        return undefined;
      }
      const [, decision] = await Promise.all([adjustOpenRequests(ride.cell, d.vehicleClass, 1), runRound(d.rideId, 0, ride)]);
      if (!decision) {
        log.info({ rideId: d.rideId }, 'no available driver near the pickup yet; will look again');
        return undefined;
      }
      await announceRound(spec, decision);
      return undefined;
    },
  },
  // Idempotent by construction: opening is a compare-and-set, and announcing a round twice
  // records it once.
  { dedupe: noDedupe() },
);
