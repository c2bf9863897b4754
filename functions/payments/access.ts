/** Who may see or act on payments: the ride's rider and driver (as the events named them), admins. */
import type { Principal } from '../../platform/auth/verify.js';
import { config } from '../../platform/config.js';
import { forbidden, notFound } from '../../platform/problem.js';
import { paymentsOfRide, type PaymentRow } from './store.js';

export const isParty = (r: PaymentRow, p: Principal) => p.role === 'admin' || r.rider_id === p.userId || r.driver_id === p.userId;

/** A ride's payments as its rider or driver sees them; 404 when there are none or they are not yours. */
export async function ridePayments(rideId: string, p: Principal): Promise<PaymentRow[]> {
  const rows = await paymentsOfRide(rideId);
  if (rows.length === 0 || !rows.some((r) => isParty(r, p))) throw notFound('payment for this ride');
  return rows;
}

/** The simulated gateway's controls are for admins, or for anyone in dev mode (MICRORIDE_DEV_MODE=true). */
export function requireOperator(p: Principal, what: string): void {
  if (p.role !== 'admin' && !config().MICRORIDE_DEV_MODE) throw forbidden(`${what} is for admins (or any user when MICRORIDE_DEV_MODE=true)`);
}
