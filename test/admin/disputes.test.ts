/**
 * Fare disputes through the whole platform (real broker, outbox, payments' simulated
 * gateway in auto mode, no dev mode): the rider disputes a completed ride, an admin
 * refunds through the refund path or rejects, and the rider is told by events.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from '../rides/harness.js';
import { call, eventually, newArea, newDriver, newRider, rideIn, type RideView } from '../rides/client.js';
import type { Session } from '../helpers/users.js';
import { newAdmin } from './helpers.js';

const env = useRidesPlatform({ MICRORIDE_DEV_MODE: 'false' });

interface DisputeView {
  id: string;
  rideId: string;
  riderId: string;
  paymentId: string;
  status: string;
  refundId: string | null;
  refundAmount: number | null;
  currency: string | null;
  note: string | null;
}

/** A completed ride whose fare the simulated gateway has charged. */
async function chargedRide(): Promise<{ rider: Session; driver: Session; ride: RideView; paymentId: string }> {
  const a = newArea();
  const rider = await newRider(env.url);
  const driver = await newDriver(env.url, a.at(100));
  const ride = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
  const paymentId = await eventually(async () => {
    const r = await call<{ payment: { id: string; status: string } }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
    return r.status === 200 && r.body.payment.status === 'succeeded' ? r.body.payment.id : undefined;
  }, 15_000, 'fare charged');
  return { rider, driver: driver.session, ride, paymentId };
}

const reason = 'The driver took a long detour through the city.';

describe('fare disputes', () => {
  it('the rider disputes once; an admin refunds part through the refund path; the rider is told', async () => {
    const admin = await newAdmin(env.url);
    const { rider, driver, ride, paymentId } = await chargedRide();

    // 422 names the field; a driver may not dispute (403); a stranger's dispute is 404.
    const short = await call<{ errors: { path: string }[] }>(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, rider, { reason: 'bad' });
    expect(short.status).toBe(422);
    expect(short.body.errors.map((e) => e.path)).toEqual(['reason']);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, rider, { reason, amount: 1 })).status).toBe(422);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, driver, { reason })).status).toBe(403);

    const opened = await call<DisputeView>(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, rider, { reason });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ rideId: ride.id, riderId: rider.user.id, paymentId, status: 'open', refundId: null });
    await env.events.waitFor((e) => e.type === 'microride.dispute.opened' && e.data.disputeId === opened.body.id);
    const twice = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, rider, { reason });
    expect(twice.status).toBe(409);

    // Riders and drivers cannot see or resolve disputes.
    for (const who of [rider, driver]) {
      expect((await call(env.url, 'GET', '/api/v1/admin/disputes', who)).status).toBe(403);
      expect((await call(env.url, 'POST', `/api/v1/admin/disputes/${opened.body.id}/resolve`, who, { outcome: 'refund', note: 'x' })).status).toBe(403);
    }

    const open = await call<{ items: DisputeView[]; total: number }>(env.url, 'GET', '/api/v1/admin/disputes?status=open&limit=100', admin);
    expect(open.status).toBe(200);
    expect(open.body.items.find((d) => d.id === opened.body.id)).toMatchObject({ status: 'open', currency: 'EUR' });

    // An amount only goes with a refund, and not more than the fare.
    const rejectWithAmount = await call<{ errors: { path: string }[] }>(env.url, 'POST', `/api/v1/admin/disputes/${opened.body.id}/resolve`, admin, { outcome: 'reject', amount: 5, note: 'no' });
    expect(rejectWithAmount.status).toBe(422);
    expect(rejectWithAmount.body.errors.map((e) => e.path)).toEqual(['amount']);
    const tooMuch = await call(env.url, 'POST', `/api/v1/admin/disputes/${opened.body.id}/resolve`, admin, { outcome: 'refund', amount: ride.fare.amount + 1, note: 'all of it' });
    expect(tooMuch.status).toBe(409);

    const resolved = await call<DisputeView>(env.url, 'POST', `/api/v1/admin/disputes/${opened.body.id}/resolve`, admin, { outcome: 'refund', amount: 100, note: 'Detour confirmed by the trace.' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'refunded', refundAmount: 100, currency: 'EUR', note: 'Detour confirmed by the trace.' });
    const refunded = await env.events.waitFor((e) => e.type === 'microride.payment.refunded' && e.data.rideId === ride.id);
    expect(refunded.data).toMatchObject({ paymentId: resolved.body.refundId, riderId: rider.user.id, kind: 'refund', amount: 100 });
    const told = await env.events.waitFor((e) => e.type === 'microride.dispute.resolved' && e.data.disputeId === opened.body.id);
    expect(told.data).toMatchObject({ riderId: rider.user.id, outcome: 'refund', amount: 100, refundId: resolved.body.refundId, note: 'Detour confirmed by the trace.' });

    const receipt = await call<{ total: number; refunded: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
    expect(receipt.body).toMatchObject({ refunded: 100, total: ride.fare.amount - 100 });
    // Resolved once: a second resolution is refused and refunds nothing more.
    const again = await call<{ currentStatus: string }>(env.url, 'POST', `/api/v1/admin/disputes/${opened.body.id}/resolve`, admin, { outcome: 'refund', note: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.currentStatus).toBe('refunded');
    expect((await call<{ refunded: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider)).body.refunded).toBe(100);
  });

  it('a rejected dispute refunds nothing and tells the rider; a new one may then be opened', async () => {
    const admin = await newAdmin(env.url);
    const { rider, ride } = await chargedRide();
    const opened = await call<DisputeView>(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, rider, { reason });
    const rejected = await call<DisputeView>(env.url, 'POST', `/api/v1/admin/disputes/${opened.body.id}/resolve`, admin, { outcome: 'reject', note: 'The route was the shortest open one.' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', refundId: null, refundAmount: null });
    const told = await env.events.waitFor((e) => e.type === 'microride.dispute.resolved' && e.data.disputeId === opened.body.id);
    expect(told.data).toMatchObject({ outcome: 'reject', amount: null, refundId: null });
    expect((await call<{ refunded: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider)).body.refunded).toBe(0);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, rider, { reason: `${reason} Again.` })).status).toBe(201);
    expect((await call(env.url, 'POST', `/api/v1/admin/disputes/${randomUUID()}/resolve`, admin, { outcome: 'reject', note: 'x' })).status).toBe(404);
  });

  it('red team: a rider disputing another rider’s ride gets 404; a ride not completed is not disputable; a rider cannot refund', async () => {
    const { rider: owner, ride, paymentId } = await chargedRide();
    const mallory = await newRider(env.url);
    const r = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/dispute`, mallory, { reason });
    expect(r.status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/rides/${randomUUID()}/dispute`, mallory, { reason })).status).toBe(404);
    // Without dev mode the simulated gateway's refund is for admins only, even for the ride's own rider.
    expect((await call(env.url, 'POST', `/api/v1/payments/${paymentId}/refund`, owner, {})).status).toBe(403);
    expect((await call(env.url, 'POST', `/api/v1/payments/${paymentId}/refund`, mallory, {})).status).toBe(403);
    expect((await call<{ refunded: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, owner)).body.refunded).toBe(0);

    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const started = await rideIn(env.url, env.events, rider, driver, 'in_progress', a.at(0), a.at(2_000));
    // Payments has no fare for it yet: to payments it is no charged ride of the rider's.
    expect((await call(env.url, 'POST', `/api/v1/rides/${started.id}/dispute`, rider, { reason })).status).toBe(404);
  });
});
