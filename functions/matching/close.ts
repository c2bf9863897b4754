import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { adjustOpenRequests } from '../tracking/live-index.js';
import { closeRide } from './state.js';

const spec = eventSpec('matching-close');

/** Accepted, cancelled or expired: stop offering, and the cell has one open request fewer. */
async function close(rideId: string): Promise<undefined> {
  // closeRide answers "was open" once only, so a redelivery cannot decrement twice.
  const was = await closeRide(rideId);
  if (was) await adjustOpenRequests(was.cell, was.vehicleClass, -1);
  return undefined;
}

export default createEventApp(
  spec,
  {
    'microride.ride.accepted': (e) => close(e.data.rideId),
    'microride.ride.cancelled': (e) => close(e.data.rideId),
    'microride.ride.expired': (e) => close(e.data.rideId),
  },
  { dedupe: noDedupe() },
);
