import type { Principal } from '../runtime/auth/verify.js';
import { notFound } from '../runtime/problem.js';
import { findRide, type RideDoc } from './store.js';

/**
 * The ride as tracking knows it, for its rider, its driver or an admin. Anybody else
 * gets the same 404 as for a ride that does not exist, so ride ids cannot be probed.
 */
export async function rideFor(principal: Principal, rideId: string): Promise<RideDoc> {
  const doc = await findRide(rideId);
  const allowed = doc && (principal.role === 'admin' || doc.riderId === principal.userId || doc.driverId === principal.userId);
  if (!doc || !allowed) throw notFound('ride');
  return doc;
}
