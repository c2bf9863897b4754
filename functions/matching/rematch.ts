import type { EventData } from '../../contracts/events.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import type { Logger } from '../../platform/logger.js';
import { adjustOpenRequests, cellOf } from '../tracking/live-index.js';
import { reopenRide } from './state.js';
import { roundStores, runRound, type RoundStores } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-rematch');

/** Matching's state, the live index and the demand counter in Redis, and the call to rides-offers; fakes in the unit test. */
export interface Stores extends RoundStores {
  reopenRide: typeof reopenRide;
  adjustOpenRequests: typeof adjustOpenRequests;
  announceRound: typeof announceRound;
}

/**
 * The assigned driver cancelled before pickup (ride.rematching): match the same ride again
 * from the round it had, so its offer rows' rounds keep rising, with that driver among
 * the declined (never offered it again), and hand the next round to rides at once. Nobody
 * near: the sweep looks again shortly, as for a new ride; nobody accepts in time: rides
 * expires the ride (no driver).
 */
export async function handle(
  d: EventData<'microride.ride.rematching'>,
  ctx: { log: Logger },
  stores: Stores = { ...roundStores, reopenRide, adjustOpenRequests, announceRound },
): Promise<void> {
  const ride = { rideId: d.rideId, riderId: d.riderId, vehicleClass: d.vehicleClass, lat: d.pickup.lat, lon: d.pickup.lon, cell: cellOf(d.pickup.lat, d.pickup.lon) };
  const { counted, fromRound } = await stores.reopenRide(ride, d.driverId);
  if (fromRound < 0) {
    ctx.log.info({ rideId: d.rideId }, 'rematching a ride that already ended; nothing to do');
    return;
  }
  if (counted) await stores.adjustOpenRequests(ride.cell, d.vehicleClass, 1);
  // A redelivery claims nothing new: runRound hands back the round the first try decided, if it still stands.
  const decision = await runRound(d.rideId, fromRound, stores);
  if (!decision) {
    ctx.log.info({ rideId: d.rideId }, 'rematching: no available driver near the pickup yet; will look again');
    return;
  }
  await stores.announceRound(spec, decision);
}

// Idempotent by construction: reopening is a compare-and-set on the cancelling driver, and
// announcing a round twice records it once.
export default createEventApp(spec, { 'microride.ride.rematching': (e, ctx) => handle(e.data, ctx) }, { dedupe: noDedupe() });
