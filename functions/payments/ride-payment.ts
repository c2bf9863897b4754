import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { ridePayment, rideIdParam } from './schemas.js';
import { attemptsOf, toPayment } from './store.js';
import { ridePayments } from './access.js';

const spec = httpSpec('payments-ride-payment');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'The ride’s charge (fare or cancellation fee), its attempts at the simulated gateway, and its refunds', content: { 'application/json': { schema: ridePayment } } },
    404: { description: 'No payment for this ride (yet), or not your ride' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const rideId = c.req.valid('param').id;
  const rows = await ridePayments(rideId, c.get('principal'));
  const charge = rows.find((r) => r.kind === 'fare') ?? rows.find((r) => r.kind === 'cancellation_fee');
  if (!charge) throw notFound('payment for this ride');
  const refunds = rows.filter((r) => r.kind === 'refund' && r.refund_of === charge.id);
  return c.json({ rideId, payment: toPayment(charge, await attemptsOf(charge.id)), refunds: refunds.map((r) => toPayment(r)) }, 200);
});
