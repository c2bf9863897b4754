/**
 * tracking:active:<driverId> → "<acceptedAt ms> <rideId>": the ride a driver is on
 * (accepted..ended), so each location sample can be tagged with it, and added to the
 * ride's trace, without a MongoDB query on the hot path. The acceptance time lets a late
 * event of an older ride lose against the newer ride that already holds the pointer.
 * Only the ride-state script (ride-state.ts) writes it, in the same atomic step as the
 * ride's rank, so a terminal event and a late "accepted" cannot race it into a stale value.
 */
import { redis, rkey } from '../../platform/clients.js';

/** Safety net: a pointer whose terminal event never arrives must not tag samples for ever. */
export const ACTIVE_TTL_SECONDS = 12 * 3600;

export const activeRideKey = (driverId: string) => rkey('tracking', 'active', driverId);

export async function activeRide(driverId: string): Promise<string | null> {
  const v = await redis().get(activeRideKey(driverId));
  return v ? v.slice(v.indexOf(' ') + 1) : null;
}
