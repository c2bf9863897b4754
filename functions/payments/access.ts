/** Who may see or act on payments: the ride's rider and driver (as the events named them), admins. */
import type { Principal } from '../../platform/auth/verify.js';
import type { Config } from '../../platform/config.js';
import { forbidden, notFound } from '../../platform/problem.js';
import type { PaymentRow } from './store.js';

/** The caller as access decisions see them. */
export type Caller = Pick<Principal, 'userId' | 'role'>;

export const isParty = (r: PaymentRow, p: Caller) => p.role === 'admin' || r.rider_id === p.userId || r.driver_id === p.userId;

/** A ride's payments as its rider or driver sees them; 404 when there are none or they are not yours. */
export function ridePayments(rows: PaymentRow[], p: Caller): PaymentRow[] {
  if (rows.length === 0 || !rows.some((r) => isParty(r, p))) throw notFound('payment for this ride');
  return rows;
}

/** The simulated gateway's controls are for admins, or for anyone in dev mode (MICRORIDE_DEV_MODE=true). */
export function requireOperator(p: Caller, what: string, settings: Pick<Config, 'MICRORIDE_DEV_MODE'>): void {
  if (p.role !== 'admin' && !settings.MICRORIDE_DEV_MODE) throw forbidden(`${what} is for admins (or any user when MICRORIDE_DEV_MODE=true)`);
}
