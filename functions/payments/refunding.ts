/**
 * The refund path: a succeeded charge refunded, wholly or in part, through the SIMULATED
 * gateway (refunds always go through), within a payments transaction. Shared by the
 * refund endpoint (refund.ts) and a dispute resolved with a refund (admin-resolve.ts), so
 * both lock the charge, respect what is left of it and announce microride.payment.refunded
 * the same way.
 */
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { HttpProblem, conflict, notFound } from '../../platform/problem.js';
import type { PaymentRow } from './store.js';
import type { PaymentTx } from './writes.js';
import { announce } from './charging.js';

export type RefundTx = Pick<PaymentTx, 'lockPayment' | 'paymentByKey' | 'insertPayment' | 'addAttempt' | 'setRefunded' | 'enqueue'>;

export interface RefundOrder {
  /** The charge to refund. */
  chargeId: string;
  /** Cents; default: everything not refunded yet. */
  amount?: number | undefined;
  reason?: string | null | undefined;
  /** Same key, same refund (the second call finds the first's row). */
  idempotencyKey: string;
}

/** Refunds within `tx`; `created` false when this key's refund was made before. */
export async function refundCharge(tx: RefundTx, spec: FunctionSpec, order: RefundOrder): Promise<{ row: PaymentRow; created: boolean }> {
  // Lock the charge: two refunds must not both fit under what is left.
  const charge = await tx.lockPayment(order.chargeId);
  if (!charge) throw notFound('payment');
  const existing = await tx.paymentByKey(order.idempotencyKey);
  if (existing) return { row: existing, created: false };
  if (charge.kind === 'refund') throw conflict('a refund cannot be refunded');
  if (charge.status !== 'succeeded') throw conflict(`only a succeeded charge can be refunded; this one is ${charge.status}`, { currentStatus: charge.status });
  const left = charge.amount - charge.refunded_amount;
  const amount = order.amount ?? left;
  if (amount > left) {
    throw new HttpProblem(409, `only ${left} ${charge.currency} cents are left to refund`, { errors: [{ path: 'amount', message: `at most ${left}` }] });
  }
  const refund = await tx.insertPayment(
    {
      rideId: charge.ride_id,
      riderId: charge.rider_id,
      driverId: charge.driver_id,
      kind: 'refund',
      amount,
      currency: charge.currency,
      idempotencyKey: order.idempotencyKey,
      reason: order.reason ?? null,
      refundOf: charge.id,
      attempts: 1,
    },
    'succeeded',
  );
  if (!refund) throw new Error('refund insert lost a race it cannot lose under the lock');
  await tx.addAttempt({ payment_id: refund.id, attempt: 1, outcome: 'succeeded', decided_by: 'gateway', message: 'refunded (simulated gateway)', settled: true });
  const refundedAll = charge.refunded_amount + amount === charge.amount;
  await tx.setRefunded(charge.id, charge.refunded_amount + amount, refundedAll ? 'refunded' : 'succeeded');
  await announce(tx, spec, refund, 'microride.payment.refunded');
  return { row: refund, created: true };
}
