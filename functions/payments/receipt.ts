import type { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict } from '../../platform/problem.js';
import { receipt, rideIdParam } from './schemas.js';
import { ridePayments, type Caller } from './access.js';
import { paymentsOfRide, type PaymentRow } from './store.js';

const spec = httpSpec('payments-receipt');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'What the rider paid for the ride, refunds included (simulated gateway)', content: { 'application/json': { schema: receipt } } },
    404: { description: 'No payment for this ride (yet), or not your ride' },
    409: { description: 'Nothing has been paid yet (the charge is pending or failed)' },
  },
});

const describe = (r: PaymentRow) =>
  r.kind === 'fare' ? 'Ride fare' : r.kind === 'cancellation_fee' ? 'Late cancellation fee' : `Refund${r.reason ? `: ${r.reason}` : ''}`;

/** What the operation reads: payments' PostgreSQL table by default, a fake in the unit test. */
export interface Stores {
  paymentsOfRide(rideId: string): Promise<PaymentRow[]>;
}

/** What the rider paid for a ride, refunds netted out; 409 while nothing has been paid. The gateway is simulated, and the receipt says so. */
export async function handle(input: { id: string } & Caller, stores: Stores = { paymentsOfRide }): Promise<z.infer<typeof receipt>> {
  const rideId = input.id;
  const rows = ridePayments(await stores.paymentsOfRide(rideId), input);
  const paid = rows.filter((r) => r.kind !== 'refund' && (r.status === 'succeeded' || r.status === 'refunded'));
  if (paid.length === 0) {
    const open = rows.find((r) => r.kind !== 'refund');
    throw conflict(`no receipt yet: the payment is ${open?.status ?? 'missing'}`, { currentStatus: open?.status ?? null });
  }
  const refunds = rows.filter((r) => r.kind === 'refund' && r.status === 'succeeded');
  const charged = paid.reduce((s, r) => s + r.amount, 0);
  const refunded = refunds.reduce((s, r) => s + r.amount, 0);
  const first = paid[0]!;
  const details = rows.find((r) => r.kind === 'fare')?.details ?? {};
  const latest = rows.reduce((t, r) => (r.updated_at > t ? r.updated_at : t), first.updated_at);
  return {
    rideId,
    riderId: first.rider_id,
    driverId: first.driver_id,
    issuedAt: latest.toISOString(),
    lines: [...paid, ...refunds].map((r) => ({
      paymentId: r.id,
      kind: r.kind,
      description: describe(r),
      amount: r.kind === 'refund' ? -r.amount : r.amount,
      status: r.status,
    })),
    charged,
    refunded,
    total: charged - refunded,
    currency: first.currency,
    distanceMeters: details.distanceMeters ?? null,
    durationSeconds: details.durationSeconds ?? null,
    fareBasis: details.fareBasis ?? null,
    fareReason: details.fareReason ?? null,
    simulated: true,
  };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ...c.get('principal') }), 200));
