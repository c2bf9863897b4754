/**
 * Rides booked for later: `scheduledFor` 15 minutes to 7 days ahead (else 422 naming the
 * field); the ride waits as `scheduled`, free to cancel, until SCHEDULED_MATCH_LEAD_MINUTES
 * before its pickup time, when the tick starts matching it with the usual offers and the
 * quote it was booked with. The lead is raised here instead of waiting a quarter of an
 * hour: a pickup 16 minutes ahead is due once the lead is 20 minutes.
 */
import { describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { rideSettings } from '../../functions/rides/settings.js';
import { useRidesPlatform } from './harness.js';
import { call, eventOf, newArea, newDriver, newRider, offered, quote, startWithCode, step, type Point, type RideView } from './client.js';

const env = useRidesPlatform({ SCHEDULED_MATCH_LEAD_MINUTES: '10', CANCEL_FEE_AMOUNT: '500', CANCEL_GRACE_SECONDS: '0' });

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

async function book(rider: Parameters<typeof call>[3], pickup: Point, dropoff: Point, scheduledFor: string) {
  const q = await quote(env.url, rider!, pickup, dropoff);
  const r = await call<RideView & { scheduledFor: string | null; quote: { fare: { amount: number } } }>(env.url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId, scheduledFor });
  return { q, r };
}

function withLead(leadMinutes: number) {
  provideSettings({ SCHEDULED_MATCH_LEAD_MINUTES: String(leadMinutes) });
  rideSettings.reset();
}

describe('a ride booked for later', () => {
  it('waits as scheduled until its lead time, then is offered as any ride, at the quoted fare', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const at = minutes(16);
    const { q, r } = await book(rider, a.at(0), a.at(3_000), at);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'scheduled', driverId: null, scheduledFor: new Date(at).toISOString() });
    expect(r.body.quote.fare.amount).toBe((q.fare as { amount: number }).amount);
    const booked = await eventOf(env.events, 'microride.ride.scheduled', r.body.id);
    expect(booked.data).toMatchObject({ riderId: rider.user.id, scheduledFor: new Date(at).toISOString() });

    // A booking does not hold the rider's one active ride: they can ride now meanwhile.
    const now = await call<RideView>(env.url, 'POST', '/api/v1/rides', rider, { quoteId: (await quote(env.url, rider, a.at(0), a.at(1_000))).quoteId });
    expect(now.status, JSON.stringify(now.body)).toBe(201);
    expect((await call(env.url, 'POST', `/api/v1/rides/${now.body.id}/cancel`, rider)).status).toBe(200);

    // Another rider's booking 40 minutes ahead. With a 20-minute lead, one tick starts the
    // ride 16 minutes ahead and leaves that one waiting: the same sweep saw both.
    const other = await newRider(env.url);
    const later = (await book(other, a.at(100), a.at(3_000), minutes(40))).r;
    expect(later.status).toBe(201);
    withLead(20);
    try {
      await env.tick();
      const requested = await eventOf(env.events, 'microride.ride.requested', r.body.id);
      expect(requested.data).toMatchObject({ riderId: rider.user.id, fare: { amount: r.body.quote.fare.amount } });
      await offered(env.events, r.body.id, driver.id);
    } finally {
      withLead(10);
    }
    expect((await call<RideView>(env.url, 'GET', `/api/v1/rides/${later.body.id}`, other)).body.status).toBe('scheduled');
    expect((await call(env.url, 'POST', `/api/v1/rides/${later.body.id}/cancel`, other)).status).toBe(200);
    await step(env.url, driver, r.body.id, 'accept');
    await step(env.url, driver, r.body.id, 'arrived');
    await startWithCode(env.url, rider, driver, r.body.id);
    const done = await step(env.url, driver, r.body.id, 'complete');
    expect(done).toMatchObject({ status: 'completed', scheduledFor: new Date(at).toISOString() });
    // Upfront pricing as for any ride: the quote the rider booked with, unless the trip differed.
    expect(done.fare.amount).toBe(r.body.quote.fare.amount);
  });

  it('can be cancelled free of charge before matching starts, and is then never matched', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    await newDriver(env.url, a.at(200));
    const { r } = await book(rider, a.at(0), a.at(2_000), minutes(60));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const c = await call<RideView>(env.url, 'POST', `/api/v1/rides/${r.body.id}/cancel`, rider, { reason: 'plans changed' });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ status: 'cancelled', cancellation: { by: 'rider', reason: 'plans changed', fee: null } });
    const e = await eventOf(env.events, 'microride.ride.cancelled', r.body.id);
    expect(e.data).toMatchObject({ by: 'rider', fee: null, driverId: null });
    // Even with its lead time begun, a cancelled booking is not started.
    withLead(120);
    try {
      await env.tick();
      // A booking of another rider, due too, is started by that same tick: the marker that it ran.
      const other = await newRider(env.url);
      const { r: due } = await book(other, a.at(50), a.at(2_000), minutes(30));
      await env.tick();
      await eventOf(env.events, 'microride.ride.requested', due.body.id);
    } finally {
      withLead(10);
    }
    expect(env.events.of(r.body.id).map((x) => x.type)).toEqual(['microride.ride.scheduled', 'microride.ride.cancelled']);
    expect((await call(env.url, 'GET', `/api/v1/rides/${r.body.id}/payment`, rider)).status).toBe(404);
  });

  it('refuses a scheduledFor less than 15 minutes or more than 7 days ahead, or not a time, with 422 naming the field', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    for (const scheduledFor of [minutes(-5), minutes(14), minutes(7 * 24 * 60 + 5)]) {
      const { r } = await book(rider, a.at(0), a.at(2_000), scheduledFor);
      expect(r.status, scheduledFor).toBe(422);
      expect((r.body as unknown as { errors: { path: string }[] }).errors.map((x) => x.path)).toEqual(['scheduledFor']);
    }
    const { r } = await book(rider, a.at(0), a.at(2_000), 'tomorrow at nine');
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toContain('scheduledFor');
  });
});
