import type { EventData } from '../../contracts/events.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import type { Logger } from '../../platform/logger.js';
import { adjustOpenRequests, cellOf } from '../tracking/live-index.js';
import { openRide } from './state.js';
import { roundStores, runRound, type RoundStores } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-request');

/** Matching's state, the live index and the demand counter in Redis, and the call to rides-offers; fakes in the unit test. */
export interface Stores extends RoundStores {
  openRide: typeof openRide;
  adjustOpenRequests: typeof adjustOpenRequests;
  announceRound: typeof announceRound;
}

/**
 * A new ride: open its matching state (which claims the first search), count it as open
 * demand in its cell (surge), offer it to the nearest available drivers and hand the round
 * to rides. Nobody near: the sweep looks again shortly.
 */
export async function handle(
  d: EventData<'microride.ride.requested'>,
  ctx: { log: Logger },
  stores: Stores = { ...roundStores, openRide, adjustOpenRequests, announceRound },
): Promise<void> {
  const ride = { rideId: d.rideId, riderId: d.riderId, vehicleClass: d.vehicleClass, lat: d.pickup.lat, lon: d.pickup.lon, cell: cellOf(d.pickup.lat, d.pickup.lon) };
  if (!(await stores.openRide(ride))) {
    // Seen before: a redelivery, maybe of a try that decided the first round but could
    // not hand it to rides; then the round is handed over again. Also a cancel that
    // overtook the request, or a delivery still searching: nothing to do.
    const standing = await runRound(d.rideId, 0, stores);
    if (standing) await stores.announceRound(spec, standing);
    return;
  }
  const [, decision] = await Promise.all([stores.adjustOpenRequests(ride.cell, d.vehicleClass, 1), runRound(d.rideId, 0, stores, ride)]);
  if (!decision) {
    ctx.log.info({ rideId: d.rideId }, 'no available driver near the pickup yet; will look again');
    return;
  }
  await stores.announceRound(spec, decision);
}

// Idempotent by construction: opening is a compare-and-set, and announcing a round twice
// records it once.
export default createEventApp(spec, { 'microride.ride.requested': (e, ctx) => handle(e.data, ctx) }, { dedupe: noDedupe() });
