import { eventSpec } from '../runtime/route.js';
import { createEventApp } from '../runtime/events/receive.js';
import { redisDedupe } from '../runtime/events/idempotency.js';
import { adjustOpenRequests, cellOf } from '../tracking/live-index.js';
import { openRide } from './state.js';
import { runRound } from './round.js';

const spec = eventSpec('matching-request');

/**
 * A new ride: open its matching state (which claims the first search), count it as open
 * demand in its cell (surge), and offer it to the nearest available drivers. The decision
 * is the reply; rides records it. Nobody near: the sweep looks again shortly.
 */
export default createEventApp(
  spec,
  {
    'microride.ride.requested': async (event, { reply, log }) => {
      const d = event.data;
      const ride = { rideId: d.rideId, riderId: d.riderId, vehicleClass: d.vehicleClass, lat: d.pickup.lat, lon: d.pickup.lon, cell: cellOf(d.pickup.lat, d.pickup.lon) };
      if (!(await openRide(ride))) return undefined; // seen before, or already over (a cancel overtook it)
      const [, decision] = await Promise.all([adjustOpenRequests(ride.cell, d.vehicleClass, 1), runRound(d.rideId, 0, ride)]);
      if (!decision) {
        log.info({ rideId: d.rideId }, 'no available driver near the pickup yet; will look again');
        return undefined;
      }
      return reply({ type: 'microride.matching.offer_decided', subject: d.rideId, data: decision });
    },
  },
  // The open step is idempotent by itself; the dedupe replays the same decision to a redelivery.
  { dedupe: redisDedupe() },
);
