import type { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { ridePayment, rideIdParam } from './schemas.js';
import { attemptsOf, paymentsOfRide, toPayment, type AttemptRow, type PaymentRow } from './store.js';
import { ridePayments, type Caller } from './access.js';

const spec = httpSpec('payments-ride-payment');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'The ride’s charge (fare or cancellation fee), its attempts at the simulated gateway, and its refunds', content: { 'application/json': { schema: ridePayment } } },
    404: { description: 'No payment for this ride (yet), or not your ride' },
  },
});

/** What the operation reads: payments' PostgreSQL tables by default, fakes in the unit test. */
export interface Stores {
  paymentsOfRide(rideId: string): Promise<PaymentRow[]>;
  attemptsOf(paymentId: string): Promise<AttemptRow[]>;
}

/** The ride's charge with its gateway attempts, and the refunds of that charge; 404 unless you are a party to it. */
export async function handle(input: { id: string } & Caller, stores: Stores = { paymentsOfRide, attemptsOf }): Promise<z.infer<typeof ridePayment>> {
  const rideId = input.id;
  const rows = ridePayments(await stores.paymentsOfRide(rideId), input);
  const charge = rows.find((r) => r.kind === 'fare') ?? rows.find((r) => r.kind === 'cancellation_fee');
  if (!charge) throw notFound('payment for this ride');
  const refunds = rows.filter((r) => r.kind === 'refund' && r.refund_of === charge.id);
  return { rideId, payment: toPayment(charge, await stores.attemptsOf(charge.id)), refunds: refunds.map((r) => toPayment(r)) };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ...c.get('principal') }), 200));
