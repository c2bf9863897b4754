/**
 * Matching through the broker: one driver per round here, offers that lapse after 1 s,
 * the sweep driven by hand (tick). Lapsed rounds move on to the next driver, a decline
 * moves on at once, nobody near means another look later, and a ride nobody takes
 * expires (the rides sweep, after RIDE_MATCHING_TIMEOUT_SECONDS).
 */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from './harness.js';
import { call, eventOf, eventually, newArea, newDriver, newRider, offered, requestRide, sleep, step, type RideView } from './client.js';

const TIMEOUT_SECONDS = 6;
const env = useRidesPlatform({
  MATCHING_OFFER_FANOUT: '1',
  MATCHING_OFFER_TTL_SECONDS: '1',
  MATCHING_RETRY_SECONDS: '0.2',
  RIDE_MATCHING_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
});

describe('offer rounds', () => {
  it('an offer nobody answers lapses and goes to the next nearest driver', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const first = await newDriver(env.url, a.at(300));
    const second = await newDriver(env.url, a.at(900));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    const r1 = await offered(env.events, ride.id, first.id, 1);
    expect(r1.data.driverIds).toEqual([first.id]);

    await sleep(1_100);
    await env.tick();
    const lapsed = await eventOf(env.events, 'microride.ride.offer_expired', ride.id);
    expect(lapsed.data.round).toBe(1);
    const r2 = await offered(env.events, ride.id, second.id, 2);
    expect(r2.data.driverIds).toEqual([second.id]);

    // The first driver's offer is gone; the second one's stands.
    const tooLate = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, first.session);
    expect(tooLate.status).toBe(409);
    expect(String(tooLate.body.detail)).toMatch(/expired/);
    expect((await step(env.url, second, ride.id, 'accept')).driverId).toBe(second.id);
  });

  it('a decline moves the ride on at once, and the decliner is not asked again', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const first = await newDriver(env.url, a.at(300));
    const second = await newDriver(env.url, a.at(900));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await offered(env.events, ride.id, first.id, 1);
    const d = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/decline`, first.session);
    expect(d.status).toBe(204);
    await eventOf(env.events, 'microride.ride.declined', ride.id);
    await offered(env.events, ride.id, second.id, 2);
    // The decliner can no longer accept, and after the second round lapses nobody is left.
    const no = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, first.session);
    expect(no.status).toBe(409);
    await sleep(1_100);
    await env.tick();
    // Round 3 goes to the second driver again (their offer only lapsed), never to the decliner.
    const r3 = await offered(env.events, ride.id, second.id, 3);
    expect(r3.data.driverIds).toEqual([second.id]);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
  });

  it('nobody near: the sweep looks again, and finds a driver who came online meanwhile', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await sleep(300);
    expect(env.events.of(ride.id).some((e) => e.type === 'microride.ride.offered')).toBe(false);
    const late = await newDriver(env.url, a.at(4_000)); // second radius (5 km)
    await sleep(250);
    await env.tick();
    const r = await offered(env.events, ride.id, late.id, 1);
    expect(r.data.driverIds).toEqual([late.id]);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
  });

  it('drivers of another class or further than the widest radius are not offered', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const comfort = await newDriver(env.url, a.at(100), 'comfort');
    const far = await newDriver(env.url, a.at(12_000));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await sleep(500);
    const offers = env.events.of(ride.id).filter((e) => e.type === 'microride.ride.offered');
    expect(offers).toEqual([]);
    for (const d of [comfort, far]) expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, d.session)).status).toBe(403);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
  });
});

describe('no driver accepts in time', () => {
  it('the ride expires; the rider is told and may request again', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await sleep(TIMEOUT_SECONDS * 1000 + 200);
    await env.tick();
    const e = await eventOf(env.events, 'microride.ride.expired', ride.id);
    expect(e.data).toEqual({ rideId: ride.id, riderId: rider.user.id });
    const now = await eventually(async () => {
      const r = await call<RideView>(env.url, 'GET', `/api/v1/rides/${ride.id}`, rider);
      return r.body.status === 'expired' ? r.body : undefined;
    });
    expect(now.expiredAt).not.toBeNull();
    const cancel = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider);
    expect(cancel.status).toBe(409);
    expect(cancel.body.currentStatus).toBe('expired');
    const again = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    expect(again.status).toBe('requested');
  }, 20_000);
});
