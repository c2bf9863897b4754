/**
 * An admin resolves a fare dispute. A refund goes through the refund path
 * (refunding.ts: the SIMULATED gateway, which always refunds) in the same transaction as
 * the dispute's resolution and its event, so a dispute never says refunded without the
 * refund, nor the other way round. The rider hears of it through
 * microride.dispute.resolved (and microride.payment.refunded for a refund), pushed by the
 * notifier.
 */
import type { Knex } from 'knex';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, notFound } from '../../platform/problem.js';
import { db } from '../../platform/clients.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import type { EventInput } from '../../platform/events/emit.js';
import { dispute, disputeIdParam, resolveBody, type Dispute, type ResolveBody } from './dispute-schemas.js';
import { lockDispute, resolveDispute, toDispute, type DisputeRow } from './disputes.js';
import { paymentTx } from './writes.js';
import { refundCharge, type RefundTx } from './refunding.js';
import type { PaymentRow } from './store.js';

const spec = httpSpec('payments-admin-resolve');

const route = routeOf(spec, {
  request: { params: disputeIdParam, body: { content: { 'application/json': { schema: resolveBody } }, required: true } },
  responses: {
    200: { description: 'Resolved; a refund is made through the SIMULATED gateway (no real money moves)', content: { 'application/json': { schema: dispute } } },
    404: { description: 'No such dispute' },
    409: { description: 'Already resolved, or more than what is left of the fare asked for' },
  },
});

/** What one resolution transaction can do: the dispute row, the refund path, the outbox. */
export interface ResolveTx {
  lockDispute(id: string): Promise<DisputeRow | undefined>;
  refund: RefundTx;
  resolveDispute(id: string, r: Parameters<typeof resolveDispute>[2]): Promise<DisputeRow>;
  enqueue(spec: FunctionSpec, event: EventInput<'microride.dispute.resolved'>): Promise<void>;
}

/** One PostgreSQL transaction by default; a fake in the unit test. */
export interface Stores {
  inTransaction<T>(work: (tx: ResolveTx) => Promise<T>): Promise<T>;
}

function resolveTx(trx: Knex.Transaction): ResolveTx {
  return {
    lockDispute: (id) => lockDispute(trx, id),
    refund: paymentTx(trx),
    resolveDispute: (id, r) => resolveDispute(trx, id, r),
    enqueue: async (s, e) => void (await enqueueEvent(trx, s, e)),
  };
}

const defaults: Stores = { inTransaction: (work) => db().transaction((trx) => work(resolveTx(trx))) };

export async function handle(
  { id, adminId, body, log }: { id: string; adminId: string; body: ResolveBody; log: Pick<Logger, 'info'> },
  stores: Stores = defaults,
): Promise<Dispute> {
  const { row, currency } = await stores.inTransaction(async (tx) => {
    const open = await tx.lockDispute(id);
    if (!open) throw notFound('dispute');
    if (open.status !== 'open') throw conflict(`this dispute is resolved already (${open.status})`, { currentStatus: open.status });
    let refund: PaymentRow | null = null;
    if (body.outcome === 'refund') {
      // One refund per dispute whatever happens: the key names the dispute.
      ({ row: refund } = await refundCharge(tx.refund, spec, { chargeId: open.payment_id, amount: body.amount, reason: `dispute ${id}: ${body.note}`.slice(0, 500), idempotencyKey: `dispute:${id}` }));
    }
    const resolved = await tx.resolveDispute(id, {
      status: refund ? 'refunded' : 'rejected',
      refundId: refund?.id ?? null,
      refundAmount: refund?.amount ?? null,
      note: body.note,
      resolvedBy: adminId,
    });
    // The fare's row (already locked by a refund): its currency is the dispute's.
    const fare = refund ?? (await tx.refund.lockPayment(open.payment_id));
    if (!fare) throw new Error(`dispute ${id} names a payment that does not exist`);
    const cur = fare.currency;
    await tx.enqueue(spec, {
      type: 'microride.dispute.resolved',
      subject: open.ride_id,
      data: { disputeId: id, rideId: open.ride_id, riderId: open.rider_id, outcome: body.outcome, amount: refund?.amount ?? null, currency: cur, refundId: refund?.id ?? null, note: body.note },
    });
    return { row: resolved, currency: cur };
  });
  log.info({ disputeId: id, outcome: body.outcome, amount: row.refund_amount, by: adminId }, 'dispute resolved');
  return toDispute(row, currency);
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ id: c.req.valid('param').id, adminId: c.get('principal').userId, body: c.req.valid('json'), log: c.get('log') }), 200),
);
