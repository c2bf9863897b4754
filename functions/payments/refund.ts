import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { config, type Config } from '../../platform/config.js';
import { HttpProblem, conflict, notFound } from '../../platform/problem.js';
import { payment, paymentIdParam, refundBody, type Payment } from './schemas.js';
import { toPayment } from './store.js';
import { inTransaction, type PaymentTx } from './writes.js';
import { requireOperator, type Caller } from './access.js';
import { announce } from './charging.js';

const spec = httpSpec('payments-refund');

const route = routeOf(spec, {
  request: {
    params: paymentIdParam,
    headers: z.object({
      'idempotency-key': z.string().min(1).max(200).optional().openapi({
        param: { name: 'idempotency-key', in: 'header' },
        description: 'Same key → same refund. Without it a payment can be refunded once.',
      }),
    }),
    body: { content: { 'application/json': { schema: refundBody } }, required: false },
  },
  responses: {
    201: { description: 'A refund payment (SIMULATED gateway: refunds always go through)', content: { 'application/json': { schema: payment } } },
    200: { description: 'Replay: this refund was already made', content: { 'application/json': { schema: payment } } },
    404: { description: 'No such payment' },
    409: { description: 'The payment is not a succeeded charge, or not that much is left to refund' },
  },
});

/** payments' refund transaction and the platform settings (dev mode); fakes in the unit test. */
export interface Stores {
  inTransaction<T>(work: (tx: Pick<PaymentTx, 'lockPayment' | 'paymentByKey' | 'insertPayment' | 'addAttempt' | 'setRefunded' | 'enqueue'>) => Promise<T>): Promise<T>;
  settings(): Pick<Config, 'MICRORIDE_DEV_MODE'>;
}

export interface RefundRequest extends Caller {
  /** The charge to refund. */
  id: string;
  /** Cents; default: everything not refunded yet. */
  amount?: number | undefined;
  reason?: string | undefined;
  /** The Idempotency-Key header: same key, same refund; without one a payment is refunded once. */
  idempotencyKey?: string | undefined;
}

/**
 * Refunds a succeeded charge, wholly or in part, through the SIMULATED gateway (refunds
 * always go through): 201 with the new refund, 200 with the one this key made before.
 */
export async function handle(input: RefundRequest, stores: Stores = { inTransaction, settings: config }): Promise<{ status: 200 | 201; body: Payment }> {
  requireOperator(input, 'refunding', stores.settings());
  const { id } = input;
  const key = `refund:${id}:${input.idempotencyKey ?? 'default'}`;

  const result = await stores.inTransaction(async (tx) => {
    // Lock the charge: two refunds must not both fit under what is left.
    const charge = await tx.lockPayment(id);
    if (!charge) throw notFound('payment');
    const existing = await tx.paymentByKey(key);
    if (existing) return { row: existing, created: false };
    if (charge.kind === 'refund') throw conflict('a refund cannot be refunded');
    if (charge.status !== 'succeeded') throw conflict(`only a succeeded charge can be refunded; this one is ${charge.status}`, { currentStatus: charge.status });
    const left = charge.amount - charge.refunded_amount;
    const amount = input.amount ?? left;
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
        idempotencyKey: key,
        reason: input.reason ?? null,
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
  });
  return { status: result.created ? 201 : 200, body: toPayment(result.row) };
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { status, body } = await handle({ ...c.req.valid('param'), ...c.req.valid('json'), idempotencyKey: c.req.valid('header')['idempotency-key'], ...c.get('principal') });
  return c.json(body, status);
});
