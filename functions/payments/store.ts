/**
 * payments' PostgreSQL queries (schema `payments`); the writes that announce an event are in
 * writes.ts. The operations get them injected (these functions by default), so their unit
 * tests run against fakes; the statements themselves run against PostgreSQL in the
 * integration tests.
 */
import type { Knex } from 'knex';
import { db, schemaName } from '../../platform/clients.js';
import type { Payment } from './schemas.js';
import type { AttemptOutcome } from './gateway.js';

export const paymentsSchema = () => schemaName('payments');
export const paymentsTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(paymentsSchema()).table('payments');
export const attemptsTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(paymentsSchema()).table('payment_attempts');

export type PaymentKind = 'fare' | 'cancellation_fee' | 'refund';
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'refunded';

export interface PaymentRow {
  id: string;
  ride_id: string;
  rider_id: string;
  driver_id: string | null;
  kind: PaymentKind;
  amount: number;
  currency: string;
  status: PaymentStatus;
  attempts: number;
  idempotency_key: string;
  refund_of: string | null;
  refunded_amount: number;
  reason: string | null;
  last_message: string | null;
  details: { distanceMeters?: number; durationSeconds?: number; fareBasis?: 'quoted' | 'measured'; fareReason?: string };
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  id: string;
  payment_id: string;
  attempt: number;
  outcome: AttemptOutcome;
  decided_by: 'gateway' | 'simulate';
  message: string | null;
  created_at: Date;
  settled_at: Date | null;
}

export function toPayment(r: PaymentRow, history?: AttemptRow[]): Payment {
  return {
    id: r.id,
    rideId: r.ride_id,
    riderId: r.rider_id,
    driverId: r.driver_id,
    kind: r.kind,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    attempts: r.attempts,
    refundedAmount: r.refunded_amount,
    refundOf: r.refund_of,
    reason: r.reason,
    lastMessage: r.last_message,
    ...(history
      ? {
          history: history.map((a) => ({
            attempt: a.attempt,
            outcome: a.outcome,
            decidedBy: a.decided_by,
            message: a.message,
            at: (a.settled_at ?? a.created_at).toISOString(),
          })),
        }
      : {}),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export const findPayment = (id: string, k: Knex | Knex.Transaction = db()) => paymentsTable(k).where({ id }).first<PaymentRow | undefined>();

export const paymentsOfRide = (rideId: string, k: Knex | Knex.Transaction = db()) =>
  paymentsTable(k).where({ ride_id: rideId }).orderBy('created_at', 'asc') as Promise<PaymentRow[]>;

export const attemptsOf = (paymentId: string, k: Knex | Knex.Transaction = db()) =>
  attemptsTable(k).where({ payment_id: paymentId }).orderBy('attempt', 'asc') as Promise<AttemptRow[]>;

export interface NewPayment {
  rideId: string;
  riderId: string;
  driverId: string | null;
  kind: PaymentKind;
  amount: number;
  currency: string;
  idempotencyKey: string;
  reason?: string | null;
  refundOf?: string | null;
  details?: PaymentRow['details'];
  /** Attempts already made (a refund is made and settled in one go). */
  attempts?: number;
}

/** Inserts unless the idempotency key exists; null = it did (nothing to do a second time). */
export async function insertPayment(trx: Knex.Transaction, p: NewPayment, status: PaymentStatus): Promise<PaymentRow | null> {
  const res = (await trx.raw(
    `insert into ??.payments (ride_id, rider_id, driver_id, kind, amount, currency, status, idempotency_key, reason, refund_of, details, attempts)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
     on conflict (idempotency_key) do nothing returning *`,
    [
      paymentsSchema(), p.rideId, p.riderId, p.driverId, p.kind, p.amount, p.currency, status, p.idempotencyKey,
      p.reason ?? null, p.refundOf ?? null, JSON.stringify(p.details ?? {}), p.attempts ?? 0,
    ],
  )) as { rows: PaymentRow[] };
  return res.rows[0] ?? null;
}
