import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { HttpProblem, conflict, notFound } from '../../platform/problem.js';
import { payment, paymentIdParam, refundBody } from './schemas.js';
import { attemptsTable, insertPayment, paymentsTable, toPayment, type PaymentRow } from './store.js';
import { requireOperator } from './access.js';
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

export default createFunctionApp(spec).openapi(route, async (c) => {
  requireOperator(c.get('principal'), 'refunding');
  const { id } = c.req.valid('param');
  const body = c.req.valid('json') ?? {};
  const key = `refund:${id}:${c.req.valid('header')['idempotency-key'] ?? 'default'}`;

  const result = await db().transaction(async (trx) => {
    // Lock the charge: two refunds must not both fit under what is left.
    const charge = await paymentsTable(trx).where({ id }).forUpdate().first<PaymentRow | undefined>();
    if (!charge) throw notFound('payment');
    const existing = await paymentsTable(trx).where({ idempotency_key: key }).first<PaymentRow | undefined>();
    if (existing) return { row: existing, created: false };
    if (charge.kind === 'refund') throw conflict('a refund cannot be refunded');
    if (charge.status !== 'succeeded') throw conflict(`only a succeeded charge can be refunded; this one is ${charge.status}`, { currentStatus: charge.status });
    const left = charge.amount - charge.refunded_amount;
    const amount = body.amount ?? left;
    if (amount > left) {
      throw new HttpProblem(409, `only ${left} ${charge.currency} cents are left to refund`, { errors: [{ path: 'amount', message: `at most ${left}` }] });
    }
    const refund = await insertPayment(
      trx,
      {
        rideId: charge.ride_id,
        riderId: charge.rider_id,
        driverId: charge.driver_id,
        kind: 'refund',
        amount,
        currency: charge.currency,
        idempotencyKey: key,
        reason: body.reason ?? null,
        refundOf: charge.id,
        attempts: 1,
      },
      'succeeded',
    );
    if (!refund) throw new Error('refund insert lost a race it cannot lose under the lock');
    await attemptsTable(trx).insert({ payment_id: refund.id, attempt: 1, outcome: 'succeeded', decided_by: 'gateway', message: 'refunded (simulated gateway)', settled_at: trx.fn.now() });
    const refundedAll = charge.refunded_amount + amount === charge.amount;
    await paymentsTable(trx)
      .where({ id: charge.id })
      .update({ refunded_amount: charge.refunded_amount + amount, status: refundedAll ? 'refunded' : 'succeeded', updated_at: trx.fn.now() });
    await announce(trx, spec, refund, 'microride.payment.refunded');
    return { row: refund, created: true };
  });
  return c.json(toPayment(result.row), result.created ? 201 : 200);
});
