/**
 * The whole lifecycle through the local platform and the real broker: three drivers
 * online, a quote, a request, the nearest driver offered, accept, arrive, start, drive,
 * complete; the fare captured; a rating; the timeline in MongoDB; every step's event.
 */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from './harness.js';
import { call, eventOf, eventually, moveTo, newArea, newDriver, newRider, offered, quote, startWithCode, step, type RideView } from './client.js';

const env = useRidesPlatform();

describe('ride lifecycle, end to end', () => {
  it('request → offer to the nearest → accept → arrive → start → complete → paid → rated', async () => {
    const { url, events } = env;
    const area = newArea();
    const pickup = area.at(0);
    const dropoff = area.at(3_000, 2_000);
    const rider = await newRider(url);
    const near = await newDriver(url, area.at(300));
    const mid = await newDriver(url, area.at(-1_200));
    const far = await newDriver(url, area.at(0, 4_000));

    const q = await quote(url, rider, pickup, dropoff);
    const requested = await call<RideView>(url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId }, { 'idempotency-key': 'lifecycle-1' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const rideId = requested.body.id;
    expect(requested.body.status).toBe('requested');
    expect(requested.body.fare.amount).toBe((q.fare as { amount: number }).amount);

    await eventOf(events, 'microride.ride.requested', rideId);
    const offer = await offered(events, rideId, near.id);
    const offeredTo = offer.data.driverIds as string[];
    expect(offeredTo[0]).toBe(near.id); // nearest first
    expect(offeredTo).toContain(mid.id); // within the first radius (2 km)
    expect(offeredTo).not.toContain(far.id); // 4 km away: not in the first radius
    expect(offer.data.round).toBe(1);

    // The offered driver sees the ride; the rider sees it moved to matching.
    const seen = await call<RideView & { offer?: { expiresAt: string } }>(url, 'GET', `/api/v1/rides/${rideId}`, near.session);
    expect(seen.status).toBe(200);
    expect(seen.body.status).toBe('matching');
    expect(seen.body.offer?.expiresAt).toBe(offer.data.expiresAt);

    const accepted = await step(url, near, rideId, 'accept');
    expect(accepted.status).toBe('accepted');
    expect(accepted.driverId).toBe(near.id);
    const late = await call(url, 'POST', `/api/v1/rides/${rideId}/accept`, mid.session);
    expect(late.status).toBe(409);
    expect(late.body.currentStatus).toBe('accepted');
    await eventOf(events, 'microride.ride.accepted', rideId);

    await moveTo(url, near.session, pickup);
    expect((await step(url, near, rideId, 'arrived')).status).toBe('arrived');
    await eventOf(events, 'microride.ride.driver_arrived', rideId);
    expect((await startWithCode(url, rider, near, rideId)).status).toBe('in_progress');
    await eventOf(events, 'microride.ride.started', rideId);
    // Tracking learns the start time from the event; the trace counts from then.
    await eventually(async () => {
      const t = await call<{ timeline: { type: string }[] }>(url, 'GET', `/api/v1/rides/${rideId}/track`, rider);
      return t.status === 200 && t.body.timeline.some((e) => e.type.endsWith('started')) ? true : undefined;
    }, 10_000, 'tracking saw the start');

    // Drive 6 × 30 m north at ~150 km/h (tracking drops faster "jumps" as GPS noise).
    for (let i = 1; i <= 6; i++) {
      await new Promise((r) => setTimeout(r, 700));
      await moveTo(url, near.session, area.at(30 * i));
    }
    const done = await step(url, near, rideId, 'complete');
    expect(done.status).toBe('completed');
    expect(done.fare.final).toBe(true);
    expect(done.fare.basis).toBe('measured');
    expect(done.distanceMeters).toBeGreaterThanOrEqual(140);
    expect(done.distanceMeters).toBeLessThanOrEqual(190);
    const completed = await eventOf(events, 'microride.ride.completed', rideId);
    expect((completed.data.fare as { amount: number }).amount).toBe(done.fare.amount);

    const paid = await events.waitFor((e) => e.type === 'microride.payment.succeeded' && e.data.rideId === rideId, 10_000, 'payment.succeeded');
    expect(paid.data.kind).toBe('fare');
    expect(paid.data.amount).toBe(done.fare.amount);
    const payment = await call<{ payment: { status: string; amount: number; kind: string } }>(url, 'GET', `/api/v1/rides/${rideId}/payment`, rider);
    expect(payment.status).toBe(200);
    expect(payment.body.payment).toMatchObject({ status: 'succeeded', amount: done.fare.amount, kind: 'fare' });
    const receipt = await call<{ total: number; simulated: boolean }>(url, 'GET', `/api/v1/rides/${rideId}/receipt`, near.session);
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({ total: done.fare.amount, simulated: true });

    const rated = await call<RideView>(url, 'POST', `/api/v1/rides/${rideId}/rating`, rider, { stars: 4, comment: 'smooth' });
    expect(rated.status, JSON.stringify(rated.body)).toBe(200);
    await eventOf(events, 'microride.ride.rated', rideId);
    const again = await call(url, 'POST', `/api/v1/rides/${rideId}/rating`, rider, { stars: 5 });
    expect(again.status).toBe(409);
    await eventually(async () => {
      const d = await call<{ rating: { average: number | null; count: number } }>(url, 'GET', `/api/v1/drivers/${near.id}`, rider);
      return d.body.rating.count === 1 ? d.body.rating : undefined;
    }, 10_000, 'driver rating updated').then((r) => expect(r.average).toBe(4));

    // Timeline in MongoDB (tracking), in order.
    const track = await eventually(async () => {
      const t = await call<{ status: string; timeline: { type: string }[]; trace: unknown[] }>(url, 'GET', `/api/v1/rides/${rideId}/track`, rider);
      return t.body.status === 'completed' ? t.body : undefined;
    }, 10_000, 'timeline complete');
    expect(track.trace.length).toBeGreaterThanOrEqual(6);

    // Every step was announced, in the order that matters.
    const types = events.of(rideId).map((e) => e.type);
    for (const t of ['requested', 'offered', 'accepted', 'driver_arrived', 'started', 'completed', 'rated']) {
      expect(types).toContain(`microride.ride.${t}`);
    }
    expect(types.indexOf('microride.ride.requested')).toBeLessThan(types.indexOf('microride.ride.offered'));

    // History: the rider's list has it; the other drivers do not see it.
    const mine = await call<{ items: RideView[] }>(url, 'GET', '/api/v1/rides', rider);
    expect(mine.body.items.map((r) => r.id)).toContain(rideId);
    const theirs = await call(url, 'GET', `/api/v1/rides/${rideId}`, far.session);
    expect(theirs.status).toBe(404);
  });
});
