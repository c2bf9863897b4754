/**
 * Cancellation at every state, by the rider and by the driver, with the fee rule:
 * free until the driver arrived or the grace after acceptance ran out (2 s here), then
 * CANCEL_FEE_AMOUNT; a driver's cancellation never costs the rider (it re-matches the
 * ride). A fee is a payment, and a refund is one too.
 */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from './harness.js';
import { call, eventOf, newArea, newDriver, newRider, offered, requestRide, rideIn, sleep, type RideView } from './client.js';

const GRACE_SECONDS = 2;
const env = useRidesPlatform({ CANCEL_GRACE_SECONDS: String(GRACE_SECONDS), CANCEL_FEE_AMOUNT: '500', MICRORIDE_DEV_MODE: 'true' });

const cancel = (rideId: string, who: Parameters<typeof call>[3], reason?: string) =>
  call<RideView & { currentStatus?: string; detail?: string }>(env.url, 'POST', `/api/v1/rides/${rideId}/cancel`, who, reason ? { reason } : undefined);

describe('rider cancels', () => {
  it('right after requesting (requested or matching): free', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    const r = await cancel(ride.id, rider, 'changed my mind');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe('cancelled');
    expect(r.body.cancellation).toEqual({ by: 'rider', reason: 'changed my mind', fee: null });
    const e = await eventOf(env.events, 'microride.ride.cancelled', ride.id);
    expect(e.data).toMatchObject({ by: 'rider', fee: null, driverId: null });
    // The one-active-ride rule lets go: a new request works.
    const next = await requestRide(env.url, rider, a.at(0), a.at(2_500));
    expect((await cancel(next.id, rider)).status).toBe(200);
  });

  it('while drivers hold the offer: free, and a late accept is refused', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await offered(env.events, ride.id, driver.id);
    const r = await cancel(ride.id, rider);
    expect(r.status).toBe(200);
    expect(r.body.cancellation?.fee).toBeNull();
    const late = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, driver.session);
    expect(late.status).toBe(409);
    expect(late.body.currentStatus).toBe('cancelled');
  });

  it('within the grace after acceptance: free', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await rideIn(env.url, env.events, rider, driver, 'accepted', a.at(0), a.at(2_000));
    const r = await cancel(ride.id, rider);
    expect(r.status).toBe(200);
    expect(r.body.cancellation).toMatchObject({ by: 'rider', fee: null });
  });

  it('after the grace: the fee is charged, and can be refunded', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await rideIn(env.url, env.events, rider, driver, 'accepted', a.at(0), a.at(2_000));
    await sleep(GRACE_SECONDS * 1000 + 300);
    const r = await cancel(ride.id, rider, 'too slow');
    expect(r.status).toBe(200);
    expect(r.body.cancellation?.fee).toEqual({ amount: 500, currency: 'EUR' });
    const e = await eventOf(env.events, 'microride.ride.cancelled', ride.id);
    expect(e.data).toMatchObject({ by: 'rider', driverId: driver.id, fee: { amount: 500, currency: 'EUR' } });

    const charged = await env.events.waitFor((x) => x.type === 'microride.payment.succeeded' && x.data.rideId === ride.id, 10_000, 'fee charged');
    expect(charged.data).toMatchObject({ kind: 'cancellation_fee', amount: 500, currency: 'EUR' });
    const p = await call<{ payment: { id: string; kind: string; status: string } }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
    expect(p.body.payment).toMatchObject({ kind: 'cancellation_fee', status: 'succeeded' });

    // Refund (dev mode lets any user do what an admin would); a repeat is the same refund.
    const refund = await call<{ id: string; kind: string; amount: number; status: string }>(env.url, 'POST', `/api/v1/payments/${p.body.payment.id}/refund`, rider, { reason: 'driver was late' });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect(refund.body).toMatchObject({ kind: 'refund', amount: 500, status: 'succeeded' });
    const again = await call<{ id: string }>(env.url, 'POST', `/api/v1/payments/${p.body.payment.id}/refund`, rider, { reason: 'driver was late' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(refund.body.id);
    await env.events.waitFor((x) => x.type === 'microride.payment.refunded' && x.data.rideId === ride.id, 10_000, 'payment.refunded');
    const after = await call<{ payment: { status: string; refundedAmount: number }; refunds: unknown[] }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
    expect(after.body.payment).toMatchObject({ status: 'refunded', refundedAmount: 500 });
    expect(after.body.refunds).toHaveLength(1);
    const receipt = await call<{ charged: number; refunded: number; total: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
    expect(receipt.body).toMatchObject({ charged: 500, refunded: 500, total: 0 });
    const more = await call(env.url, 'POST', `/api/v1/payments/${p.body.payment.id}/refund`, rider, {}, { 'idempotency-key': 'second' });
    expect(more.status).toBe(409);
  });

  it('once the driver has arrived: the fee, at once', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await rideIn(env.url, env.events, rider, driver, 'arrived', a.at(0), a.at(2_000));
    const r = await cancel(ride.id, rider);
    expect(r.status).toBe(200);
    expect(r.body.cancellation?.fee).toEqual({ amount: 500, currency: 'EUR' });
  });

  it('not once the trip is in progress, nor after it is completed', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await rideIn(env.url, env.events, rider, driver, 'in_progress', a.at(0), a.at(2_000));
    const r = await cancel(ride.id, rider);
    expect(r.status).toBe(409);
    expect(r.body.currentStatus).toBe('in_progress');
    expect((await cancel(ride.id, driver.session)).status).toBe(409);
    await call(env.url, 'POST', `/api/v1/rides/${ride.id}/complete`, driver.session);
    const done = await cancel(ride.id, rider);
    expect(done.status).toBe(409);
    expect(done.body.currentStatus).toBe('completed');
  });
});

describe('driver cancels', () => {
  it('after accepting, or after arriving: never a fee for the rider, and the ride is matched again rather than ended (test/rides/rematch.test.ts)', async () => {
    for (const state of ['accepted', 'arrived'] as const) {
      const a = newArea();
      const rider = await newRider(env.url);
      const driver = await newDriver(env.url, a.at(200));
      const ride = await rideIn(env.url, env.events, rider, driver, state, a.at(0), a.at(2_000));
      if (state === 'accepted') await sleep(GRACE_SECONDS * 1000 + 300); // even past the grace
      const r = await cancel(ride.id, driver.session, 'flat tyre');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ id: ride.id, status: 'matching', driverId: null, cancellation: null });
      const e = await eventOf(env.events, 'microride.ride.rematching', ride.id);
      expect(e.data).toMatchObject({ driverId: driver.id, from: state, reason: 'flat tyre' });
      // The rider cancels the re-matched ride: free, nobody is assigned.
      const own = await cancel(ride.id, rider);
      expect(own.body.cancellation).toEqual({ by: 'rider', reason: null, fee: null });
    }
  });

  it('a driver who merely holds an offer cannot cancel the ride', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await offered(env.events, ride.id, driver.id);
    expect((await cancel(ride.id, driver.session)).status).toBe(404);
    expect((await cancel(ride.id, rider)).status).toBe(200);
  });
});
