/**
 * payments' writes that go with an event (the outbox): the charge statement and the
 * transaction the retry, simulate and refund operations run in. Apart from store.ts so the
 * read-only functions (ride-payment, receipt) bundle neither the outbox nor the CloudEvents SDK.
 */
import type { Knex } from 'knex';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { db } from '../../platform/clients.js';
import { changeWithEvent, enqueueEvent } from '../../platform/events/outbox.js';
import type { EventInput } from '../../platform/events/emit.js';
import type { AttemptOutcome, GatewayAnswer } from './gateway.js';
import { attemptsTable, insertPayment, paymentsSchema, paymentsTable, type AttemptRow, type NewPayment, type PaymentRow, type PaymentStatus } from './store.js';

/** A payment's event (the three types share one data schema). */
export type PaymentEventType = 'microride.payment.succeeded' | 'microride.payment.failed' | 'microride.payment.refunded';
export type PaymentEvent = EventInput<PaymentEventType>;

/**
 * A charge as chargeOnce decided it: the simulated gateway answered before anything is
 * written. The payment's row but for what PostgreSQL fills in (refunded_amount, the times).
 */
export interface NewCharge extends Omit<PaymentRow, 'refunded_amount' | 'created_at' | 'updated_at'> {
  /** The gateway's outcome of the first attempt; its message is `last_message`. */
  status: AttemptOutcome;
  attempts: 1;
  last_message: string;
}

/**
 * One statement: the payment unless its idempotency key exists, its first attempt and, when
 * given, its event (changeWithEvent); undefined when the key was taken (nothing written).
 */
export async function insertCharge(spec: FunctionSpec, charge: NewCharge, event: PaymentEvent | null): Promise<PaymentRow | undefined> {
  const settled = charge.status !== 'pending';
  return changeWithEvent<PaymentRow, PaymentEventType>(
    spec,
    paymentsTable()
      .insert({ ...charge, details: JSON.stringify(charge.details) })
      .onConflict('idempotency_key')
      .ignore()
      .returning('*'),
    event,
    {
      also: [
        {
          sql: `insert into ??.payment_attempts (payment_id, attempt, outcome, decided_by, message, settled_at)
                select id, 1, ?, 'gateway', ?, ${settled ? 'now()' : 'null'} from changed`,
          bindings: [paymentsSchema(), charge.status, charge.last_message],
        },
      ],
    },
  );
}

/** An attempt row as written; `settled` stamps settled_at with the transaction's time. */
export interface NewAttempt {
  payment_id: string;
  attempt: number;
  outcome: AttemptOutcome;
  decided_by: AttemptRow['decided_by'];
  message: string;
  settled: boolean;
}

/** payments' writes within one transaction (paymentTx: PostgreSQL; a fake in unit tests). */
export interface PaymentTx {
  /** The payment, locked until the transaction ends (two refunds must not both fit under what is left). */
  lockPayment(id: string): Promise<PaymentRow | undefined>;
  paymentByKey(idempotencyKey: string): Promise<PaymentRow | undefined>;
  /** Inserts unless the idempotency key exists; null = it did. */
  insertPayment(p: NewPayment, status: PaymentStatus): Promise<PaymentRow | null>;
  /** A further gateway attempt, CAS on the attempt count and a retryable status; undefined = the row changed meanwhile. */
  recordAttempt(row: PaymentRow, attempt: number, answer: GatewayAnswer): Promise<PaymentRow | undefined>;
  /** Settles a pending payment, CAS on pending and the attempt count; undefined = it was not pending (any more). */
  settlePending(row: PaymentRow, outcome: Exclude<AttemptOutcome, 'pending'>, message: string): Promise<PaymentRow | undefined>;
  /** Settles the pending attempt row; how many rows it changed. */
  settleAttempt(paymentId: string, attempt: number, outcome: Exclude<AttemptOutcome, 'pending'>, message: string): Promise<number>;
  addAttempt(a: NewAttempt): Promise<void>;
  /** Writes the attempt, or overwrites the one with its number. */
  putAttempt(a: NewAttempt): Promise<void>;
  setRefunded(paymentId: string, refundedAmount: number, status: PaymentStatus): Promise<void>;
  /** Queues the event in the outbox; it is published once the transaction commits. */
  enqueue(spec: FunctionSpec, event: PaymentEvent): Promise<void>;
}

export function paymentTx(trx: Knex.Transaction): PaymentTx {
  const attemptRow = ({ settled, ...a }: NewAttempt) => ({ ...a, settled_at: settled ? trx.fn.now() : null });
  return {
    lockPayment: (id) => paymentsTable(trx).where({ id }).forUpdate().first<PaymentRow | undefined>(),
    paymentByKey: (key) => paymentsTable(trx).where({ idempotency_key: key }).first<PaymentRow | undefined>(),
    insertPayment: (p, status) => insertPayment(trx, p, status),
    async recordAttempt(row, n, answer) {
      const [updated] = await paymentsTable(trx)
        .where({ id: row.id, attempts: row.attempts })
        .whereIn('status', ['pending', 'failed'])
        .update({ attempts: n, status: answer.outcome, last_message: answer.message, updated_at: trx.fn.now() })
        .returning<PaymentRow[]>('*');
      return updated;
    },
    async settlePending(row, outcome, message) {
      const [updated] = await paymentsTable(trx)
        .where({ id: row.id, status: 'pending', attempts: row.attempts })
        .update({ status: outcome, last_message: message, updated_at: trx.fn.now() })
        .returning<PaymentRow[]>('*');
      return updated;
    },
    settleAttempt: (paymentId, attempt, outcome, message) =>
      attemptsTable(trx)
        .where({ payment_id: paymentId, attempt, outcome: 'pending' })
        .update({ outcome, decided_by: 'simulate', message, settled_at: trx.fn.now() }),
    async addAttempt(a) {
      await attemptsTable(trx).insert(attemptRow(a));
    },
    async putAttempt(a) {
      await attemptsTable(trx).insert(attemptRow(a)).onConflict(['payment_id', 'attempt']).merge();
    },
    async setRefunded(id, refundedAmount, status) {
      await paymentsTable(trx).where({ id }).update({ refunded_amount: refundedAmount, status, updated_at: trx.fn.now() });
    },
    async enqueue(spec, event) {
      await enqueueEvent(trx, spec, event);
    },
  };
}

/** Runs `work` in one PostgreSQL transaction: all of its writes and events, or none. */
export const inTransaction = <T>(work: (tx: PaymentTx) => Promise<T>): Promise<T> => db().transaction((trx) => work(paymentTx(trx)));
