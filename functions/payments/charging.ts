/**
 * Charging, retrying and settling, each in the caller's transaction together with the
 * event it announces (the outbox): a payment's state and its event never part. The stores
 * and the simulated gateway come in as arguments (the real ones by default), so the rules
 * here are unit-tested against fakes through the operations that use them.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { conflict } from '../../platform/problem.js';
import { charge, type AttemptOutcome, type Gateway } from './gateway.js';
import type { NewPayment, PaymentRow } from './store.js';
import { insertCharge, type PaymentEvent, type PaymentEventType, type PaymentTx } from './writes.js';

const eventOf = { succeeded: 'microride.payment.succeeded', failed: 'microride.payment.failed' } as const;

/** A payment's event, from its row (or the row about to be written). */
function paymentEvent(
  row: Pick<PaymentRow, 'id' | 'ride_id' | 'rider_id' | 'driver_id' | 'kind' | 'amount' | 'currency' | 'reason'>,
  type: PaymentEventType,
): PaymentEvent {
  return {
    type,
    subject: row.id,
    data: {
      paymentId: row.id,
      rideId: row.ride_id,
      riderId: row.rider_id,
      driverId: row.driver_id,
      kind: row.kind,
      amount: row.amount,
      currency: row.currency,
      ...(row.reason ? { reason: row.reason } : {}),
    },
  };
}

export async function announce(tx: Pick<PaymentTx, 'enqueue'>, spec: FunctionSpec, row: PaymentRow, type: PaymentEventType): Promise<void> {
  await tx.enqueue(spec, paymentEvent(row, type));
}

/** What chargeOnce needs: the simulated gateway and the one-statement insert. */
export interface ChargeStores {
  charge: Gateway;
  insertCharge: typeof insertCharge;
}

export const chargeStores: ChargeStores = { charge, insertCharge };

/**
 * Creates a payment and makes its first attempt; null when its idempotency key was seen
 * before (nothing charged twice, which makes it safe for redelivered events without a
 * processed-event mark). One statement: the simulated gateway's answer
 * is known before anything is written, so the payment goes in already decided, with its
 * attempt and, once settled, its event (insertCharge) — where a pending insert, an
 * update, an attempt insert and an outbox insert took four round trips.
 */
export async function chargeOnce(spec: FunctionSpec, p: NewPayment, stores: ChargeStores = chargeStores): Promise<PaymentRow | null> {
  const answer = stores.charge(p.idempotencyKey, 1);
  const payment = {
    id: randomUUID(),
    ride_id: p.rideId,
    rider_id: p.riderId,
    driver_id: p.driverId,
    kind: p.kind,
    amount: p.amount,
    currency: p.currency,
    reason: p.reason ?? null,
  };
  const row = await stores.insertCharge(
    spec,
    {
      ...payment,
      status: answer.outcome,
      idempotency_key: p.idempotencyKey,
      refund_of: p.refundOf ?? null,
      details: p.details ?? {},
      attempts: 1,
      last_message: answer.message,
    },
    answer.outcome === 'pending' ? null : paymentEvent(payment, eventOf[answer.outcome]),
  );
  return row ?? null;
}

/** One more attempt at the (simulated) gateway; CAS on the attempt count so two retries cannot both run. */
export async function attempt(
  tx: Pick<PaymentTx, 'recordAttempt' | 'addAttempt' | 'enqueue'>,
  spec: FunctionSpec,
  row: PaymentRow,
  gateway: Gateway = charge,
): Promise<PaymentRow> {
  const n = row.attempts + 1;
  const answer = gateway(row.idempotency_key, n);
  const updated = await tx.recordAttempt(row, n, answer);
  if (!updated) throw conflict('the payment changed meanwhile; reload it', { currentStatus: row.status });
  await tx.addAttempt({
    payment_id: row.id,
    attempt: n,
    outcome: answer.outcome,
    decided_by: 'gateway',
    message: answer.message,
    settled: answer.outcome !== 'pending',
  });
  if (answer.outcome !== 'pending') await announce(tx, spec, updated, eventOf[answer.outcome]);
  return updated;
}

/** Settles the pending attempt with a chosen outcome (the simulate endpoint). */
export async function settle(
  tx: Pick<PaymentTx, 'settlePending' | 'settleAttempt' | 'putAttempt' | 'enqueue'>,
  spec: FunctionSpec,
  row: PaymentRow,
  outcome: Exclude<AttemptOutcome, 'pending'>,
): Promise<PaymentRow | null> {
  const message = outcome === 'succeeded' ? 'approved (simulated outcome)' : 'declined (simulated outcome)';
  const updated = await tx.settlePending(row, outcome, message);
  if (!updated) return null;
  const touched = await tx.settleAttempt(row.id, row.attempts, outcome, message);
  // A payment inserted pending with no attempt yet cannot exist (chargeOnce attempts at once), but be exact anyway.
  if (touched === 0) {
    await tx.putAttempt({ payment_id: row.id, attempt: Math.max(1, row.attempts), outcome, decided_by: 'simulate', message, settled: true });
  }
  await announce(tx, spec, updated, eventOf[outcome]);
  return updated;
}
