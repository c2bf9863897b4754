import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './receipt.js';
import type { PaymentRow } from './store.js';
import { at, ridePayments } from './test-support.js';

const { rideId, riderId, driverId, row } = ridePayments();

const stores = (rows: PaymentRow[]): Stores => ({ paymentsOfRide: async (id) => rows.filter((r) => r.ride_id === id) });

describe('payments-receipt handle', () => {
  it('nets refunds out of the fare, dated by the latest change, and says the gateway is simulated', async () => {
    const fare = row({
      status: 'succeeded',
      refunded_amount: 300,
      updated_at: at(9),
      details: { distanceMeters: 4200, durationSeconds: 780, fareBasis: 'quoted', fareReason: 'distance and duration within 25 % of the quote' },
    });
    const refund = row({ kind: 'refund', amount: 300, refund_of: fare.id, reason: 'detour', updated_at: at(8) });
    const failedRefund = row({ kind: 'refund', amount: 50, status: 'failed', refund_of: fare.id });
    const out = await handle({ id: rideId, userId: riderId, role: 'rider' }, stores([fare, refund, failedRefund]));

    expect(out).toEqual({
      rideId,
      riderId,
      driverId,
      issuedAt: at(9).toISOString(),
      lines: [
        { paymentId: fare.id, kind: 'fare', description: 'Ride fare', amount: 1450, status: 'succeeded' },
        { paymentId: refund.id, kind: 'refund', description: 'Refund: detour', amount: -300, status: 'succeeded' },
      ],
      charged: 1450,
      refunded: 300,
      total: 1150,
      currency: 'EUR',
      distanceMeters: 4200,
      durationSeconds: 780,
      fareBasis: 'quoted',
      fareReason: 'distance and duration within 25 % of the quote',
      simulated: true,
    });
  });

  it('counts a fully refunded charge as paid, and a cancellation fee has no distance', async () => {
    const fee = row({ kind: 'cancellation_fee', amount: 500, status: 'refunded', details: {} });
    const refund = row({ kind: 'refund', amount: 500, refund_of: fee.id });
    const out = await handle({ id: rideId, userId: driverId, role: 'driver' }, stores([fee, refund]));
    expect(out).toMatchObject({ charged: 500, refunded: 500, total: 0, distanceMeters: null, durationSeconds: null, fareBasis: null, fareReason: null });
    expect(out.lines.map((l) => l.description)).toEqual(['Late cancellation fee', 'Refund']);
  });

  it('is a 409 naming the status while the charge is pending or failed', async () => {
    for (const status of ['pending', 'failed'] as const) {
      const err = await handle({ id: rideId, userId: riderId, role: 'rider' }, stores([row({ status })])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpProblem);
      expect((err as HttpProblem).status).toBe(409);
      expect((err as HttpProblem).detail).toBe(`no receipt yet: the payment is ${status}`);
      expect((err as HttpProblem).extra).toEqual({ currentStatus: status });
    }
  });

  it('is a 404 for anyone but the ride’s parties and admins', async () => {
    const err = await handle({ id: rideId, userId: randomUUID(), role: 'rider' }, stores([row()])).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(404);
    expect((await handle({ id: rideId, userId: randomUUID(), role: 'admin' }, stores([row()]))).total).toBe(1450);
  });
});
