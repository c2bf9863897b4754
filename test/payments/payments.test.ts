/**
 * Payments through the platform, with the simulated gateway in manual mode: every charge
 * waits for POST /payments/{id}/simulate, so failure, retry and success are scripted.
 */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from '../rides/harness.js';
import { call, eventually, newArea, newDriver, newRider, rideIn } from '../rides/client.js';

const env = useRidesPlatform({ PAYMENT_CAPTURE_MODE: 'manual', MICRORIDE_DEV_MODE: 'true' });

interface PaymentView {
  id: string;
  kind: string;
  status: string;
  amount: number;
  attempts: number;
  history?: { attempt: number; outcome: string; decidedBy: string }[];
}

describe('payment failure, then retry', () => {
  it('fails, is retried by the rider, and succeeds; each outcome is an event', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const ride = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
    expect(ride.fare.basis).toBe('quoted'); // no trace driven: the quote's distance

    const pending = await eventually(async () => {
      const r = await call<{ payment: PaymentView }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
      return r.status === 200 ? r.body.payment : undefined;
    });
    expect(pending).toMatchObject({ kind: 'fare', status: 'pending', amount: ride.fare.amount, attempts: 1 });
    expect((await call(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider)).status).toBe(409);

    const failed = await call<PaymentView>(env.url, 'POST', `/api/v1/payments/${pending.id}/simulate`, rider, { outcome: 'fail' });
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('failed');
    const failedEvent = await env.events.waitFor((e) => e.type === 'microride.payment.failed' && e.data.paymentId === pending.id);
    expect(failedEvent.data).toMatchObject({ rideId: ride.id, riderId: rider.user.id, driverId: driver.id, kind: 'fare', amount: ride.fare.amount });

    // Only the ride's rider retries; only a failed payment can be retried.
    const stranger = await newRider(env.url);
    expect((await call(env.url, 'POST', `/api/v1/payments/${pending.id}/retry`, stranger)).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/payments/${pending.id}/retry`, driver.session)).status).toBe(403);
    const retried = await call<PaymentView>(env.url, 'POST', `/api/v1/payments/${pending.id}/retry`, rider);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'pending', attempts: 2 });
    expect((await call(env.url, 'POST', `/api/v1/payments/${pending.id}/retry`, rider)).status).toBe(409);

    const ok = await call<PaymentView>(env.url, 'POST', `/api/v1/payments/${pending.id}/simulate`, rider, { outcome: 'succeed' });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('succeeded');
    expect(ok.body.history?.map((h) => [h.attempt, h.outcome, h.decidedBy])).toEqual([
      [1, 'failed', 'simulate'],
      [2, 'succeeded', 'simulate'],
    ]);
    await env.events.waitFor((e) => e.type === 'microride.payment.succeeded' && e.data.paymentId === pending.id);
    const again = await call(env.url, 'POST', `/api/v1/payments/${pending.id}/simulate`, rider, { outcome: 'fail' });
    expect(again.status).toBe(409);
    expect(again.body.currentStatus).toBe('succeeded');

    const receipt = await call<{ total: number; lines: { kind: string }[] }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
    expect(receipt.status).toBe(200);
    expect(receipt.body.total).toBe(ride.fare.amount);
    expect(receipt.body.lines.map((l) => l.kind)).toEqual(['fare']);

    // A partial refund, then the rest; the charge ends up refunded.
    const part = await call<PaymentView>(env.url, 'POST', `/api/v1/payments/${pending.id}/refund`, rider, { amount: 100 }, { 'idempotency-key': 'r1' });
    expect(part.status).toBe(201);
    const rest = await call<PaymentView>(env.url, 'POST', `/api/v1/payments/${pending.id}/refund`, rider, {}, { 'idempotency-key': 'r2' });
    expect(rest.body.amount).toBe(ride.fare.amount - 100);
    const net = await call<{ total: number; refunded: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
    expect(net.body).toMatchObject({ total: 0, refunded: ride.fare.amount });
  });
});
