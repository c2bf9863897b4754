/**
 * The one-winner rules under real concurrency, enforced by PostgreSQL (CAS updates and
 * partial unique indexes), not by a check-then-write.
 */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from './harness.js';
import { call, newArea, newDriver, newRider, offered, quote, requestRide, type RideView } from './client.js';

const env = useRidesPlatform({ MATCHING_OFFER_FANOUT: '20' });

describe('first accept wins', () => {
  it('20 drivers accept the same ride at once: exactly one wins, 19 get 409', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const drivers = await Promise.all(Array.from({ length: 20 }, (_, i) => newDriver(env.url, a.at(50 + i * 40))));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    const offer = await offered(env.events, ride.id);
    expect(new Set(offer.data.driverIds as string[])).toEqual(new Set(drivers.map((d) => d.id)));

    const answers = await Promise.all(drivers.map((d) => call<RideView>(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, d.session)));
    const won = answers.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(19);
    const final = await call<RideView>(env.url, 'GET', `/api/v1/rides/${ride.id}`, rider);
    expect(final.body.status).toBe('accepted');
    expect(final.body.driverId).toBe(won[0]!.body.driverId);
    await env.events.waitFor((e) => e.type === 'microride.ride.accepted' && e.data.rideId === ride.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(env.events.of(ride.id).filter((e) => e.type === 'microride.ride.accepted')).toHaveLength(1);
  });

  it('one driver accepts two rides at once: one wins, the other is 409 (one active trip)', async () => {
    const a = newArea();
    const [r1, r2] = await Promise.all([newRider(env.url), newRider(env.url)]);
    const driver = await newDriver(env.url, a.at(100));
    const [ride1, ride2] = await Promise.all([requestRide(env.url, r1, a.at(0), a.at(2_000)), requestRide(env.url, r2, a.at(50), a.at(2_500))]);
    await Promise.all([offered(env.events, ride1.id, driver.id), offered(env.events, ride2.id, driver.id)]);
    const answers = await Promise.all([ride1, ride2].map((r) => call(env.url, 'POST', `/api/v1/rides/${r.id}/accept`, driver.session)));
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    const lost = answers.find((x) => x.status === 409)!;
    expect(String(lost.body.detail)).toMatch(/active trip/);
  });
});

describe('Idempotency-Key', () => {
  it('the same key 10× in parallel makes one ride; every answer names it', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const q = await quote(env.url, rider, a.at(0), a.at(2_000));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call<RideView>(env.url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId }, { 'idempotency-key': 'tap-tap-tap' })),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    const list = await call<{ items: RideView[] }>(env.url, 'GET', '/api/v1/rides', rider);
    expect(list.body.items).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(env.events.of(answers[0]!.body.id).filter((e) => e.type === 'microride.ride.requested')).toHaveLength(1);

    // The same key with another quote is a client bug: 422, not a second ride.
    const other = await quote(env.url, rider, a.at(0), a.at(3_000));
    const clash = await call(env.url, 'POST', '/api/v1/rides', rider, { quoteId: other.quoteId }, { 'idempotency-key': 'tap-tap-tap' });
    expect(clash.status).toBe(422);
    expect((await call(env.url, 'POST', `/api/v1/rides/${answers[0]!.body.id}/cancel`, rider)).status).toBe(200);
  });

  it('without a key, the quote is the key: the same quote twice is one ride', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const q = await quote(env.url, rider, a.at(0), a.at(2_000));
    const [x, y] = await Promise.all([1, 2].map(() => call<RideView>(env.url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId })));
    expect([x!.status, y!.status].sort()).toEqual([200, 201]);
    expect(x!.body.id).toBe(y!.body.id);
    expect((await call(env.url, 'POST', `/api/v1/rides/${x!.body.id}/cancel`, rider)).status).toBe(200);
  });
});

describe('one active ride per rider', () => {
  it('two different requests at once: one ride, the other 409 naming it', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const [q1, q2] = await Promise.all([quote(env.url, rider, a.at(0), a.at(2_000)), quote(env.url, rider, a.at(0), a.at(3_000))]);
    const answers = await Promise.all(
      [q1, q2].map((q, i) => call<RideView & { activeRideId?: string }>(env.url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId }, { 'idempotency-key': `k${i}` })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const made = answers.find((r) => r.status === 201)!;
    expect(answers.find((r) => r.status === 409)!.body.activeRideId).toBe(made.body.id);
  });
});
