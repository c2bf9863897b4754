import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict, notFound } from '../../platform/problem.js';
import { payment, paymentIdParam, simulateBody } from './schemas.js';
import { attemptsOf, findPayment, toPayment } from './store.js';
import { requireOperator } from './access.js';
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

export default createFunctionApp(spec).openapi(route, async (c) => {
  requireOperator(c.get('principal'), 'simulating a gateway outcome');
  const { id } = c.req.valid('param');
  const outcome = c.req.valid('json').outcome === 'succeed' ? 'succeeded' : 'failed';
  const current = await findPayment(id);
  if (!current) throw notFound('payment');
  const settled = current.status === 'pending' ? await db().transaction((trx) => settle(trx, spec, current, outcome)) : null;
  if (!settled) {
    const now = (await findPayment(id)) ?? current;
    throw conflict(`only a pending payment can be settled; this one is ${now.status}`, { currentStatus: now.status });
  }
  return c.json(toPayment(settled, await attemptsOf(id)), 200);
});
