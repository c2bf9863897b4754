/**
 * A driver's cancellation before pickup does not end the ride: the same ride goes back to
 * matching, is offered to other drivers (never the one who cancelled), and the rider is
 * told (ride.rematching, pushed by the notifier) and pays nothing for it. Only when nobody
 * accepts in time does the ride end, as `expired` (no driver), again at no charge.
 * Fan-out 1, so each round offers the one nearest driver not asked yet.
 */
import { describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { rideSettings } from '../../functions/rides/settings.js';
import { connect } from '../notifier/helpers.js';
import { useRidesPlatform } from './harness.js';
import { call, eventOf, eventually, newArea, newDriver, newRider, offered, rideIn, sleep, startWithCode, step, type RideView } from './client.js';

const env = useRidesPlatform({ MATCHING_OFFER_FANOUT: '1', CANCEL_GRACE_SECONDS: '0', CANCEL_FEE_AMOUNT: '500' }, { notifier: true });

const cancel = (rideId: string, who: Parameters<typeof call>[3], reason?: string) =>
  call<RideView & { currentStatus?: string }>(env.url, 'POST', `/api/v1/rides/${rideId}/cancel`, who, reason ? { reason } : undefined);

const wsUrl = () => {
  const n = env.platform.notifier;
  if (!n) throw new Error('notifier not started');
  return n.wsUrl;
};

const profileOf = async (who: Parameters<typeof call>[3]) =>
  (await call<{ status: string; cancellations: { beforePickup: number } }>(env.url, 'GET', '/api/v1/drivers/me', who)).body;

describe('the assigned driver cancels before pickup', () => {
  it('the same ride is offered to another driver, never the one who cancelled, and completes with no charge but the fare', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const socket = await connect(wsUrl(), rider.accessToken);
    const first = await newDriver(env.url, a.at(200));
    const second = await newDriver(env.url, a.at(900));
    // The rider waits past the (zero) grace and the driver has arrived: a rider's own
    // cancellation now would cost the fee; the driver's costs nothing.
    const ride = await rideIn(env.url, env.events, rider, first, 'arrived', a.at(0), a.at(3_000));
    const round1 = await offered(env.events, ride.id, first.id);
    expect(round1.data.driverIds).toEqual([first.id]);

    const r = await cancel(ride.id, first.session, 'flat tyre');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ id: ride.id, status: 'matching', driverId: null, cancellation: null });

    const rematching = await eventOf(env.events, 'microride.ride.rematching', ride.id);
    expect(rematching.data).toMatchObject({ rideId: ride.id, riderId: rider.user.id, driverId: first.id, from: 'arrived', reason: 'flat tyre' });
    // The rider is told, on their socket.
    const pushed = await eventually(async () => socket.messages.find((m) => m.type === 'microride.ride.rematching' && m.rideId === ride.id), 15_000, 'ride.rematching pushed to the rider');
    expect(pushed.data).toMatchObject({ rideId: ride.id, driverId: first.id, from: 'arrived' });

    // The next round goes to the other driver; the one who cancelled is never offered it again.
    const round2 = await offered(env.events, ride.id, second.id);
    expect(round2.data.round).toBe(2);
    const again = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, first.session);
    expect(again.status).toBe(409);

    await step(env.url, second, ride.id, 'accept');
    // The driver who takes the ride over is on it (the first one's end of it does not block them).
    await eventually(async () => ((await profileOf(second.session)).status === 'on_trip' ? true : undefined), 10_000, 'second driver on_trip');
    await step(env.url, second, ride.id, 'arrived');
    await startWithCode(env.url, rider, second, ride.id);
    const done = await step(env.url, second, ride.id, 'complete');
    expect(done).toMatchObject({ id: ride.id, status: 'completed', driverId: second.id, cancellation: null });

    const paid = await env.events.waitFor((e) => e.type === 'microride.payment.succeeded' && e.data.rideId === ride.id, 15_000, 'fare paid');
    expect(paid.data).toMatchObject({ kind: 'fare', amount: done.fare.amount, driverId: second.id });
    const receipt = await call<{ charged: number; total: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
    expect(receipt.body).toMatchObject({ charged: done.fare.amount, total: done.fare.amount });
    // Every offer after the cancellation left the driver who cancelled out; no cancellation ever ended the ride.
    const rounds = env.events.of(ride.id).filter((e) => e.type === 'microride.ride.offered' && e.at > rematching.at);
    expect(rounds.length).toBeGreaterThan(0);
    for (const e of rounds) expect(e.data.driverIds).not.toContain(first.id);
    const charges = env.events.of(ride.id).filter((e) => e.type === 'microride.ride.cancelled' || (e.type.startsWith('microride.payment.') && e.data.kind !== 'fare'));
    expect(charges).toEqual([]);

    // It counts against the driver who cancelled, and they are free for other rides again.
    const profile = await eventually(async () => {
      const p = await profileOf(first.session);
      return p.cancellations.beforePickup > 0 ? p : undefined;
    }, 10_000, 'the cancellation counted against the driver');
    expect(profile).toMatchObject({ cancellations: { beforePickup: 1 }, status: 'online' });
    expect((await profileOf(second.session)).cancellations.beforePickup).toBe(0);
    socket.close();
  });

  it('nobody else accepts in time: the ride ends as expired (no driver), and the rider pays nothing', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await rideIn(env.url, env.events, rider, driver, 'accepted', a.at(0), a.at(3_000));
    const r = await cancel(ride.id, driver.session);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await eventOf(env.events, 'microride.ride.rematching', ride.id);

    // The timeout counts from the cancellation, not from the request.
    provideSettings({ RIDE_MATCHING_TIMEOUT_SECONDS: '1' });
    rideSettings.reset();
    try {
      await sleep(1_100);
      await env.tick();
      const expired = await eventOf(env.events, 'microride.ride.expired', ride.id);
      expect(expired.data).toEqual({ rideId: ride.id, riderId: rider.user.id });
    } finally {
      provideSettings({ RIDE_MATCHING_TIMEOUT_SECONDS: undefined });
      rideSettings.reset();
    }
    const view = await call<RideView>(env.url, 'GET', `/api/v1/rides/${ride.id}`, rider);
    expect(view.body).toMatchObject({ status: 'expired', driverId: null, cancellation: null });
    const payment = await call(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
    expect(payment.status).toBe(404);
  });
});
