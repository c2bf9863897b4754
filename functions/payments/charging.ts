/**
 * Charging, retrying and settling, each in the caller's transaction together with the
 * event it announces (the outbox): a payment's state and its event never part.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { conflict } from '../../platform/problem.js';
import { changeWithEvent, enqueueEvent } from '../../platform/events/outbox.js';
import { charge, type AttemptOutcome } from './gateway.js';
import { attemptsTable, paymentsSchema, paymentsTable, type NewPayment, type PaymentRow } from './store.js';

const eventOf = { succeeded: 'microride.payment.succeeded', failed: 'microride.payment.failed' } as const;
type PaymentEventType = (typeof eventOf)[keyof typeof eventOf] | 'microride.payment.refunded';

/** A payment's event, from its row (or the row about to be written). */
function paymentEvent(
  row: Pick<PaymentRow, 'id' | 'ride_id' | 'rider_id' | 'driver_id' | 'kind' | 'amount' | 'currency' | 'reason'>,
  type: PaymentEventType,
) {
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

export async function announce(trx: Knex.Transaction, spec: FunctionSpec, row: PaymentRow, type: PaymentEventType): Promise<void> {
  await enqueueEvent(trx, spec, paymentEvent(row, type));
}

/**
 * Creates a payment and makes its first attempt; null when its idempotency key was seen
 * before (nothing charged twice, which makes it safe for redelivered events without a
 * processed-event mark). One statement: the simulated gateway's answer
 * is known before anything is written, so the payment goes in already decided, with its
 * attempt and, once settled, its event (changeWithEvent) — where a pending insert, an
 * update, an attempt insert and an outbox insert took four round trips.
 */
export async function chargeOnce(spec: FunctionSpec, p: NewPayment): Promise<PaymentRow | null> {
  const answer = charge(p.idempotencyKey, 1);
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
  const settled = answer.outcome !== 'pending';
  const row = await changeWithEvent<PaymentRow, PaymentEventType>(
    spec,
    paymentsTable()
      .insert({
        ...payment,
        status: answer.outcome,
        idempotency_key: p.idempotencyKey,
        refund_of: p.refundOf ?? null,
        details: JSON.stringify(p.details ?? {}),
        attempts: 1,
        last_message: answer.message,
      })
      .onConflict('idempotency_key')
      .ignore()
      .returning('*'),
    answer.outcome === 'pending' ? null : paymentEvent(payment, eventOf[answer.outcome]),
    {
      also: [
        {
          sql: `insert into ??.payment_attempts (payment_id, attempt, outcome, decided_by, message, settled_at)
                select id, 1, ?, 'gateway', ?, ${settled ? 'now()' : 'null'} from changed`,
          bindings: [paymentsSchema(), answer.outcome, answer.message],
        },
      ],
    },
  );
  return row ?? null;
}

/** One more attempt at the (simulated) gateway; CAS on the attempt count so two retries cannot both run. */
export async function attempt(trx: Knex.Transaction, spec: FunctionSpec, row: PaymentRow): Promise<PaymentRow> {
  const n = row.attempts + 1;
  const answer = charge(row.idempotency_key, n);
  const [updated] = await paymentsTable(trx)
    .where({ id: row.id, attempts: row.attempts })
    .whereIn('status', ['pending', 'failed'])
    .update({ attempts: n, status: answer.outcome, last_message: answer.message, updated_at: trx.fn.now() })
    .returning<PaymentRow[]>('*');
  if (!updated) throw conflict('the payment changed meanwhile; reload it', { currentStatus: row.status });
  await attemptsTable(trx).insert({
    payment_id: row.id,
    attempt: n,
    outcome: answer.outcome,
    decided_by: 'gateway',
    message: answer.message,
    settled_at: answer.outcome === 'pending' ? null : trx.fn.now(),
  });
  if (answer.outcome !== 'pending') await announce(trx, spec, updated, eventOf[answer.outcome]);
  return updated;
}

/** Settles the pending attempt with a chosen outcome (the simulate endpoint). */
export async function settle(trx: Knex.Transaction, spec: FunctionSpec, row: PaymentRow, outcome: Exclude<AttemptOutcome, 'pending'>): Promise<PaymentRow | null> {
  const message = outcome === 'succeeded' ? 'approved (simulated outcome)' : 'declined (simulated outcome)';
  const [updated] = await paymentsTable(trx)
    .where({ id: row.id, status: 'pending', attempts: row.attempts })
    .update({ status: outcome, last_message: message, updated_at: trx.fn.now() })
    .returning<PaymentRow[]>('*');
  if (!updated) return null;
  const touched = await attemptsTable(trx)
    .where({ payment_id: row.id, attempt: row.attempts, outcome: 'pending' })
    .update({ outcome, decided_by: 'simulate', message, settled_at: trx.fn.now() });
  // A payment inserted pending with no attempt yet cannot exist (chargeOnce attempts at once), but be exact anyway.
  if (touched === 0) {
    await attemptsTable(trx).insert({ payment_id: row.id, attempt: Math.max(1, row.attempts), outcome, decided_by: 'simulate', message, settled_at: trx.fn.now() }).onConflict(['payment_id', 'attempt']).merge();
  }
  await announce(trx, spec, updated, eventOf[outcome]);
  return updated;
}
