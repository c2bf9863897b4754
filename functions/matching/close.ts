import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { adjustOpenRequests } from '../tracking/live-index.js';
import { closeRide } from './state.js';

const spec = eventSpec('matching-close');

/** Matching's state and the demand counter in Redis; fakes in the unit test. */
export interface Stores {
  closeRide: typeof closeRide;
  adjustOpenRequests: typeof adjustOpenRequests;
}

/** Accepted, cancelled or expired: stop offering, and the cell has one open request fewer. */
export async function handle(input: { rideId: string }, stores: Stores = { closeRide, adjustOpenRequests }): Promise<void> {
  // closeRide answers "was open" once only, so a redelivery cannot decrement twice.
  const was = await stores.closeRide(input.rideId);
  if (was) await stores.adjustOpenRequests(was.cell, was.vehicleClass, -1);
}

export default createEventApp(
  spec,
  {
    'microride.ride.accepted': (e) => handle(e.data),
    'microride.ride.cancelled': (e) => handle(e.data),
    'microride.ride.expired': (e) => handle(e.data),
  },
  { dedupe: noDedupe() },
);
