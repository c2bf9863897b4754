import type { Principal } from '../../platform/auth/verify.js';
import { notFound } from '../../platform/problem.js';
import type { RideSummary } from './summary.js';

/**
 * A ride is readable by its rider, its assigned driver or an admin. Anybody else gets the
 * same 404 as for a ride that does not exist, so ride ids cannot be probed.
 */
export function readableRide(principal: Pick<Principal, 'userId' | 'role'>, summary: RideSummary | null): RideSummary {
  const allowed =
    summary && (principal.role === 'admin' || summary.riderId === principal.userId || summary.driverId === principal.userId);
  if (!summary || !allowed) throw notFound('ride');
  return summary;
}
