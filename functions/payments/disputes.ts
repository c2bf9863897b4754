/** payments' fare disputes (table payments.disputes) and the reads they need. */
import type { Knex } from 'knex';
import { db } from '../../platform/clients.js';
import { paymentsSchema, paymentsTable, type PaymentRow } from './store.js';
import type { Dispute } from './dispute-schemas.js';

export const disputesTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(paymentsSchema()).table('disputes');

export interface DisputeRow {
  id: string;
  ride_id: string;
  rider_id: string;
  payment_id: string;
  reason: string;
  status: Dispute['status'];
  refund_id: string | null;
  refund_amount: number | null;
  note: string | null;
  resolved_by: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

export const toDispute = (r: DisputeRow, currency: string | null = null): Dispute => ({
  id: r.id,
  rideId: r.ride_id,
  riderId: r.rider_id,
  paymentId: r.payment_id,
  reason: r.reason,
  status: r.status,
  refundId: r.refund_id,
  refundAmount: r.refund_amount,
  currency,
  note: r.note,
  resolvedBy: r.resolved_by,
  createdAt: r.created_at.toISOString(),
  resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
});

/** The ride's payments (every kind), oldest first, in `trx`. */
export const ridePayments = (trx: Knex.Transaction, rideId: string) => paymentsTable(trx).where({ ride_id: rideId }).orderBy('created_at') as Promise<PaymentRow[]>;

/** Inserts an open dispute; null when the ride has one open already (the partial unique index). */
export async function insertDispute(trx: Knex.Transaction, d: { rideId: string; riderId: string; paymentId: string; reason: string }): Promise<DisputeRow | null> {
  const res = (await trx.raw(
    `insert into ??.disputes (ride_id, rider_id, payment_id, reason) values (?, ?, ?, ?)
     on conflict (ride_id) where status = 'open' do nothing returning *`,
    [paymentsSchema(), d.rideId, d.riderId, d.paymentId, d.reason],
  )) as { rows: DisputeRow[] };
  return res.rows[0] ?? null;
}

export const lockDispute = (trx: Knex.Transaction, id: string) => disputesTable(trx).where({ id }).forUpdate().first<DisputeRow | undefined>();

export async function resolveDispute(
  trx: Knex.Transaction,
  id: string,
  r: { status: 'refunded' | 'rejected'; refundId: string | null; refundAmount: number | null; note: string; resolvedBy: string },
): Promise<DisputeRow> {
  const [row] = (await disputesTable(trx)
    .where({ id })
    .update({ status: r.status, refund_id: r.refundId, refund_amount: r.refundAmount, note: r.note, resolved_by: r.resolvedBy, resolved_at: trx.fn.now() })
    .returning('*')) as DisputeRow[];
  if (!row) throw new Error(`dispute ${id} vanished under its lock`);
  return row;
}

/** One page of disputes (oldest first: the queue an admin works through) and the total, with each one's currency. */
export async function listDisputes(f: { status?: Dispute['status'] | undefined; limit: number; offset: number }): Promise<{ rows: (DisputeRow & { currency: string })[]; total: number }> {
  const s = paymentsSchema();
  const q = db()(`${s}.disputes as d`);
  if (f.status) q.where('d.status', f.status);
  const [rows, count] = await Promise.all([
    q
      .clone()
      .join(`${s}.payments as p`, 'p.id', 'd.payment_id')
      .select('d.*', 'p.currency')
      .orderBy([{ column: 'd.created_at' }, { column: 'd.id' }])
      .limit(f.limit)
      .offset(f.offset) as Promise<(DisputeRow & { currency: string })[]>,
    q.clone().count<{ n: string }[]>({ n: '*' }),
  ]);
  return { rows, total: Number(count[0]?.n ?? 0) };
}
