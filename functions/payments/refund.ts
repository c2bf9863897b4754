import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { config, type Config } from '../../platform/config.js';
import { payment, paymentIdParam, refundBody, type Payment } from './schemas.js';
import { toPayment } from './store.js';
import { inTransaction } from './writes.js';
import { requireOperator, type Caller } from './access.js';
import { refundCharge, type RefundTx } from './refunding.js';

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
  inTransaction<T>(work: (tx: RefundTx) => Promise<T>): Promise<T>;
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

  const result = await stores.inTransaction((tx) =>
    refundCharge(tx, spec, { chargeId: id, amount: input.amount, reason: input.reason, idempotencyKey: `refund:${id}:${input.idempotencyKey ?? 'default'}` }),
  );
  return { status: result.created ? 201 : 200, body: toPayment(result.row) };
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { status, body } = await handle({ ...c.req.valid('param'), ...c.req.valid('json'), idempotencyKey: c.req.valid('header')['idempotency-key'], ...c.get('principal') });
  return c.json(body, status);
});
