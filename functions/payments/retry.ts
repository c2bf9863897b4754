import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict, notFound } from '../../platform/problem.js';
import { payment, paymentIdParam } from './schemas.js';
import { attemptsOf, findPayment, toPayment } from './store.js';
import { attempt } from './charging.js';

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

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { id } = c.req.valid('param');
  const p = c.get('principal');
  const current = await findPayment(id);
  if (!current || (current.rider_id !== p.userId && p.role !== 'admin')) throw notFound('payment');
  if (current.status !== 'failed') throw conflict(`only a failed payment can be retried; this one is ${current.status}`, { currentStatus: current.status });
  const row = await db().transaction((trx) => attempt(trx, spec, current));
  c.get('log').info({ paymentId: id, attempt: row.attempts, status: row.status }, 'payment retried');
  return c.json(toPayment(row, await attemptsOf(id)), 200);
});
