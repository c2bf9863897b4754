import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { adjustOpenRequests } from '../tracking/live-index.js';
import { closeRide, type CloseReason } from './state.js';

const spec = eventSpec('matching-close');

/** Matching's state and the demand counter in Redis; fakes in the unit test. */
export interface Stores {
  closeRide: typeof closeRide;
  adjustOpenRequests: typeof adjustOpenRequests;
}

/**
 * Accepted, cancelled or expired: stop offering, and the cell has one open request fewer.
 * An acceptance is not the end: its driver may cancel before pickup and the ride be matched
 * again (matching-rematch), which a late acceptance must not undo (closeRide checks).
 */
export async function handle(input: { rideId: string; acceptedBy?: string }, stores: Stores = { closeRide, adjustOpenRequests }): Promise<void> {
  const why: CloseReason = input.acceptedBy ? { accepted: input.acceptedBy } : 'ended';
  // closeRide answers "was open" once only, so a redelivery cannot decrement twice.
  const was = await stores.closeRide(input.rideId, why);
  if (was) await stores.adjustOpenRequests(was.cell, was.vehicleClass, -1);
}

export default createEventApp(
  spec,
  {
    'microride.ride.accepted': (e) => handle({ rideId: e.data.rideId, acceptedBy: e.data.driverId }),
    'microride.ride.cancelled': (e) => handle({ rideId: e.data.rideId }),
    'microride.ride.expired': (e) => handle({ rideId: e.data.rideId }),
  },
  { dedupe: noDedupe() },
);
