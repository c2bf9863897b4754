import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import type { Logger } from '../../platform/logger.js';
import { conflict, notFound } from '../../platform/problem.js';
import { payment, paymentIdParam, type Payment } from './schemas.js';
import { attemptsOf, findPayment, toPayment, type AttemptRow, type PaymentRow } from './store.js';
import { inTransaction } from './writes.js';
import { attempt } from './charging.js';
import { charge, type Gateway } from './gateway.js';
import type { Caller } from './access.js';

const spec = httpSpec('payments-retry');

const route = routeOf(spec, {
  request: { params: paymentIdParam },
  responses: {
    200: {
      description: 'Charged again at the SIMULATED gateway under the same idempotency key; status says how it went (pending in manual mode)',
      content: { 'application/json': { schema: payment } },
    },
    404: { description: 'No such payment, or not yours' },
    409: { description: 'Only a failed payment can be retried' },
  },
});

/** payments' PostgreSQL reads and attempt transaction, and the simulated gateway; fakes in the unit test. */
export interface Stores {
  findPayment(id: string): Promise<PaymentRow | undefined>;
  attemptsOf(paymentId: string): Promise<AttemptRow[]>;
  inTransaction<T>(work: (tx: Parameters<typeof attempt>[0]) => Promise<T>): Promise<T>;
  charge: Gateway;
}

/** The rider (or an admin) charges a failed payment again, under its idempotency key; anyone else gets a 404. */
export async function handle(
  input: { id: string } & Caller,
  ctx: { log: Pick<Logger, 'info'> },
  stores: Stores = { findPayment, attemptsOf, inTransaction, charge },
): Promise<Payment> {
  const { id } = input;
  const current = await stores.findPayment(id);
  if (!current || (current.rider_id !== input.userId && input.role !== 'admin')) throw notFound('payment');
  if (current.status !== 'failed') throw conflict(`only a failed payment can be retried; this one is ${current.status}`, { currentStatus: current.status });
  const row = await stores.inTransaction((tx) => attempt(tx, spec, current, stores.charge));
  ctx.log.info({ paymentId: id, attempt: row.attempts, status: row.status }, 'payment retried');
  return toPayment(row, await stores.attemptsOf(id));
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ...c.get('principal') }, { log: c.get('log') }), 200));
