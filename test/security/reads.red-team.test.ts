/**
 * Red team: reading what is someone else's. A second rider and a driver who was never
 * assigned try every read of a ride they have no part in — the ride, its payment, its
 * receipt, its track and its distance — and get 404, the same answer as for a ride that
 * does not exist, so a guessed id tells them nothing. A rider trying to refund the
 * payment of their own ride gets 403 (refunds are an operator's act).
 */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from '../rides/harness.js';
import { call, eventually, newArea, newDriver, newRider, rideIn } from '../rides/client.js';

// Dev mode off: it would let riders refund (test/setup/isolation.ts may turn it on).
const env = useRidesPlatform({ MICRORIDE_DEV_MODE: 'false' });

const READS = (rideId: string) => [
  `/api/v1/rides/${rideId}`,
  `/api/v1/rides/${rideId}/payment`,
  `/api/v1/rides/${rideId}/receipt`,
  `/api/v1/rides/${rideId}/track`,
  `/api/v1/rides/${rideId}/distance`,
];

describe('reads of another user’s ride', () => {
  it('a second rider and a non-assigned driver get 404 for the ride, payment, receipt, track and distance; a rider refunding gets 403', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const ride = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
    const payment = await eventually(async () => {
      const r = await call<{ payment: { id: string; status: string } }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
      return r.status === 200 && r.body.payment.status === 'succeeded' ? r.body.payment : undefined;
    }, 15_000, 'the fare captured');

    // The owners can read every one of them: the 404s below are about who asks.
    for (const path of READS(ride.id)) {
      expect((await call(env.url, 'GET', path, rider)).status, `rider ${path}`).toBe(200);
      expect((await call(env.url, 'GET', path, driver.session)).status, `driver ${path}`).toBe(200);
    }

    const stranger = await newRider(env.url);
    // Far away, so this driver is never offered anything of this test.
    const otherDriver = await newDriver(env.url, newArea().at(0));
    for (const [who, session] of [['second rider', stranger], ['non-assigned driver', otherDriver.session]] as const) {
      for (const path of READS(ride.id)) {
        const res = await call(env.url, 'GET', path, session);
        expect(res.status, `${who} GET ${path}: ${JSON.stringify(res.body)}`).toBe(404);
      }
    }

    const refund = await call(env.url, 'POST', `/api/v1/payments/${payment.id}/refund`, rider, { amount: 100 }, { 'idempotency-key': 'reads-red-team' });
    expect(refund.status, JSON.stringify(refund.body)).toBe(403);
    const after = await call<{ payment: { status: string } }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
    expect(after.body.payment.status).toBe('succeeded');
  });
});
