import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './ride-payment.js';
import type { AttemptRow, PaymentRow } from './store.js';
import { at, ridePayments } from './test-support.js';

const { rideId, riderId, driverId, row } = ridePayments();

function fakes(rows: PaymentRow[], attempts: AttemptRow[] = []) {
  const askedAttempts: string[] = [];
  const stores: Stores = {
    paymentsOfRide: async (id) => rows.filter((r) => r.ride_id === id),
    attemptsOf: async (paymentId) => {
      askedAttempts.push(paymentId);
      return attempts.filter((a) => a.payment_id === paymentId);
    },
  };
  return { stores, askedAttempts };
}

describe('payments-ride-payment handle', () => {
  it('shows the rider the fare with its gateway attempts and the refunds of that charge, never its idempotency key', async () => {
    const fare = row({ status: 'pending', attempts: 2, last_message: 'awaiting a simulated outcome (manual mode)' });
    const refund = row({ kind: 'refund', amount: 200, refund_of: fare.id, idempotency_key: `refund:${fare.id}:r1`, reason: 'detour' });
    const unrelated = row({ kind: 'refund', amount: 100, refund_of: randomUUID(), idempotency_key: 'refund:x:y' });
    const attempts: AttemptRow[] = [
      { id: '1', payment_id: fare.id, attempt: 1, outcome: 'failed', decided_by: 'simulate', message: 'declined (simulated outcome)', created_at: at(0), settled_at: at(2) },
      { id: '2', payment_id: fare.id, attempt: 2, outcome: 'pending', decided_by: 'gateway', message: null, created_at: at(3), settled_at: null },
    ];
    const { stores, askedAttempts } = fakes([fare, refund, unrelated], attempts);
    const out = await handle({ id: rideId, userId: riderId, role: 'rider' }, stores);

    expect(out.rideId).toBe(rideId);
    expect(out.payment).toMatchObject({ id: fare.id, kind: 'fare', status: 'pending', attempts: 2, amount: 1450, refundOf: null });
    expect(out.payment.history).toEqual([
      { attempt: 1, outcome: 'failed', decidedBy: 'simulate', message: 'declined (simulated outcome)', at: at(2).toISOString() },
      { attempt: 2, outcome: 'pending', decidedBy: 'gateway', message: null, at: at(3).toISOString() },
    ]);
    expect(out.refunds.map((r) => r.id)).toEqual([refund.id]);
    expect(out.refunds[0]).not.toHaveProperty('history');
    expect(askedAttempts).toEqual([fare.id]);
    expect(JSON.stringify(out)).not.toContain('fare:');
    expect(JSON.stringify(out)).not.toContain('refund:');
  });

  it('takes the cancellation fee as the charge of a ride that has no fare', async () => {
    const fee = row({ kind: 'cancellation_fee', amount: 500, idempotency_key: `cancellation_fee:${rideId}` });
    const { stores } = fakes([fee]);
    const out = await handle({ id: rideId, userId: driverId, role: 'driver' }, stores);
    expect(out.payment).toMatchObject({ id: fee.id, kind: 'cancellation_fee', amount: 500 });
    expect(out.refunds).toEqual([]);
  });

  it('is the same 404 for someone else’s ride as for a ride without payments; an admin sees any', async () => {
    const { stores } = fakes([row()]);
    for (const input of [{ id: rideId, userId: randomUUID(), role: 'rider' as const }, { id: randomUUID(), userId: riderId, role: 'rider' as const }]) {
      const err = await handle(input, stores).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpProblem);
      expect((err as HttpProblem).status).toBe(404);
      expect((err as HttpProblem).detail).toBe('payment for this ride not found');
    }
    expect((await handle({ id: rideId, userId: randomUUID(), role: 'admin' }, stores)).payment.kind).toBe('fare');
  });
});
