import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { config, type Config } from '../../platform/config.js';
import { conflict, notFound } from '../../platform/problem.js';
import { payment, paymentIdParam, simulateBody, type Payment } from './schemas.js';
import { attemptsOf, findPayment, toPayment, type AttemptRow, type PaymentRow } from './store.js';
import { inTransaction } from './writes.js';
import { requireOperator, type Caller } from './access.js';
import { settle } from './charging.js';

const spec = httpSpec('payments-simulate');

const route = routeOf(spec, {
  request: { params: paymentIdParam, body: { content: { 'application/json': { schema: simulateBody } }, required: true } },
  responses: {
    200: {
      description:
        'SIMULATED gateway: settles a pending charge with the outcome you choose (succeed or fail) and emits microride.payment.succeeded/failed. Admins, or anyone in dev mode.',
      content: { 'application/json': { schema: payment } },
    },
    404: { description: 'No such payment' },
    409: { description: 'The payment is not pending (with PAYMENT_CAPTURE_MODE=auto the gateway answers at once)' },
  },
});

/** payments' PostgreSQL reads and settling transaction, and the platform settings (dev mode); fakes in the unit test. */
export interface Stores {
  findPayment(id: string): Promise<PaymentRow | undefined>;
  attemptsOf(paymentId: string): Promise<AttemptRow[]>;
  inTransaction<T>(work: (tx: Parameters<typeof settle>[0]) => Promise<T>): Promise<T>;
  settings(): Pick<Config, 'MICRORIDE_DEV_MODE'>;
}

/**
 * The SIMULATED gateway's manual outcome: settles a pending charge as succeeded or failed
 * (with its event); 409 for one that is not pending. Admins only, or anyone in dev mode.
 */
export async function handle(
  input: { id: string; outcome: 'succeed' | 'fail' } & Caller,
  stores: Stores = { findPayment, attemptsOf, inTransaction, settings: config },
): Promise<Payment> {
  requireOperator(input, 'simulating a gateway outcome', stores.settings());
  const { id } = input;
  const outcome = input.outcome === 'succeed' ? 'succeeded' : 'failed';
  const current = await stores.findPayment(id);
  if (!current) throw notFound('payment');
  const settled = current.status === 'pending' ? await stores.inTransaction((tx) => settle(tx, spec, current, outcome)) : null;
  if (!settled) {
    const now = (await stores.findPayment(id)) ?? current;
    throw conflict(`only a pending payment can be settled; this one is ${now.status}`, { currentStatus: now.status });
  }
  return toPayment(settled, await stores.attemptsOf(id));
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('param'), ...c.req.valid('json'), ...c.get('principal') }), 200),
);
