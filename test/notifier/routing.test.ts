import { randomUUID } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { route, NOTIFIED_TYPES } from '../../notifier/routing.js';
import { eventCatalog } from '../../contracts/events.js';
import { workloadOf } from '../../contracts/workloads.js';
import { notifierTriggers } from '../../contracts/triggers.js';
import { broker } from '../../contracts/triggers.js';
import { connect, postEvent, receivesNothing, ride, signToken, useNotifier } from './helpers.js';

const ctx = useNotifier();
const uuid = () => randomUUID();

describe('notifier routing table (pure)', () => {
  const rideId = uuid();
  const riderId = uuid();
  const driverId = uuid();

  it('sends ride progress to the rider and the assigned driver', () => {
    for (const type of ['microride.ride.driver_arrived', 'microride.ride.started', 'microride.ride.rated']) {
      const data = type.endsWith('rated') ? { rideId, riderId, driverId, stars: 5 } : { rideId, riderId, driverId };
      expect(route(type, data)).toMatchObject({ kind: 'notify', rideId, userIds: [riderId, driverId] });
    }
  });

  it('sends an offer to the offered drivers only, without the list of the others', () => {
    const d2 = uuid();
    const r = route('microride.ride.offered', { rideId, riderId, driverIds: [driverId, d2], expiresAt: new Date().toISOString(), round: 1 });
    expect(r).toMatchObject({ kind: 'notify', userIds: [driverId, d2] });
    expect(r.kind === 'notify' && r.data).not.toHaveProperty('driverIds');
  });

  it('sends a cancellation without a driver to the rider alone', () => {
    const r = route('microride.ride.cancelled', { rideId, riderId, driverId: null, by: 'rider', fee: null });
    expect(r).toMatchObject({ kind: 'notify', userIds: [riderId] });
  });

  it('tells the driver about money only for a fare that went through', () => {
    const payment = { paymentId: uuid(), rideId, riderId, driverId, amount: 1234, currency: 'EUR' };
    const to = (type: string, kind: string) => {
      const r = route(type, { ...payment, kind });
      return r.kind === 'notify' ? r.userIds : r;
    };
    expect(to('microride.payment.succeeded', 'fare')).toEqual([riderId, driverId]);
    expect(to('microride.payment.succeeded', 'cancellation_fee')).toEqual([riderId]);
    expect(to('microride.payment.failed', 'fare')).toEqual([riderId]);
    expect(to('microride.payment.refunded', 'refund')).toEqual([riderId]);
  });

  it('tells the rider alone how their fare dispute was resolved', () => {
    const data = { disputeId: uuid(), rideId, riderId, outcome: 'refund', amount: 300, currency: 'EUR', refundId: uuid(), note: 'detour confirmed' };
    expect(route('microride.dispute.resolved', data)).toMatchObject({ kind: 'notify', userIds: [riderId], data: { note: 'detour confirmed' } });
    expect(route('microride.dispute.opened', { disputeId: uuid(), rideId, riderId, paymentId: uuid(), reason: 'detour' }).kind).not.toBe('notify');
  });

  it('ignores types it does not push and rejects bad data of types it does', () => {
    expect(route('microride.ride.declined', { rideId, driverId }).kind).toBe('ignore');
    expect(route('com.example.other', {}).kind).toBe('ignore');
    expect(route('microride.ride.started', { rideId, riderId }).kind).toBe('invalid');
  });

  it('subscribes to exactly the pushed types, all in the event catalog', () => {
    const types = workloadOf('notifier').subscriptions.map((s) => s.filter.type);
    for (const t of types) expect(Object.keys(eventCatalog)).toContain(t);
    expect(types).toEqual(NOTIFIED_TYPES);
    const triggers = notifierTriggers(broker);
    expect(triggers.map((t) => t.name)).toContain('notifier-ride-driver-arrived');
    for (const t of triggers) expect(t.name).toMatch(/^[a-z0-9-]{1,63}$/);
  });
});

describe('notifier delivery', () => {
  it('delivers a ride event to its rider and driver, and nobody else', async () => {
    const rider = await signToken({ role: 'rider' });
    const driver = await signToken({ role: 'driver' });
    const stranger = await signToken({ role: 'rider' });
    const otherDriver = await signToken({ role: 'driver' });
    const driverId = driver.userId;
    const [r, d, s, o] = await Promise.all([rider, driver, stranger, otherDriver].map((u) => connect(ctx.n.wsUrl, u.token)));

    const ev = ride.started({ riderId: rider.userId, driverId });
    const res = await postEvent(ctx.n.eventsUrl, { ...ev, source: '/microride/rides-start' });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe(''); // no CloudEvent reply to re-publish

    const [toRider] = await r!.waitFor(1);
    const [toDriver] = await d!.waitFor(1);
    expect(toRider).toMatchObject({ type: 'microride.ride.started', rideId: ev.data.rideId, data: ev.data });
    expect(toRider!.id).toMatch(/^\d+-\d+$/);
    expect(typeof toRider!.at).toBe('string');
    expect(toDriver).toMatchObject({ type: 'microride.ride.started', rideId: ev.data.rideId });
    expect(await receivesNothing(s!)).toBe(true);
    expect(await receivesNothing(o!, 50)).toBe(true);
    for (const c of [r, d, s, o]) c!.close();
  });

  it('delivers an offer to each offered driver and not to the rider', async () => {
    const rider = await signToken();
    const d1 = await signToken({ role: 'driver' });
    const d2 = await signToken({ role: 'driver' });
    const notOffered = await signToken({ role: 'driver' });
    const ids = [d1.userId, d2.userId];
    const [cr, c1, c2, cn] = await Promise.all([rider, d1, d2, notOffered].map((u) => connect(ctx.n.wsUrl, u.token)));
    const rideId = uuid();
    const res = await postEvent(ctx.n.eventsUrl, {
      type: 'microride.ride.offered',
      data: { rideId, riderId: rider.userId, driverIds: ids, expiresAt: new Date(Date.now() + 15_000).toISOString(), round: 1 },
    });
    expect(res.status).toBe(202);
    for (const c of [c1, c2]) {
      const [m] = await c!.waitFor(1);
      expect(m).toMatchObject({ type: 'microride.ride.offered', rideId, data: { rideId, round: 1 } });
      expect(m!.data).not.toHaveProperty('driverIds');
    }
    expect(await receivesNothing(cr!)).toBe(true);
    expect(await receivesNothing(cn!, 50)).toBe(true);
    for (const c of [cr, c1, c2, cn]) c!.close();
  });

  it('notifies once when the broker redelivers the same CloudEvent (source + id)', async () => {
    const rider = await signToken();
    const c = await connect(ctx.n.wsUrl, rider.token);
    const ev = { ...ride.expired({ riderId: rider.userId }), id: uuid(), source: '/microride/matching-tick' };
    for (let i = 0; i < 3; i++) expect((await postEvent(ctx.n.eventsUrl, ev)).status).toBe(202);
    // Same id from another source is another event.
    expect((await postEvent(ctx.n.eventsUrl, { ...ev, source: '/microride/other' })).status).toBe(202);
    await c.waitFor(2);
    expect(await receivesNothing(c)).toBe(true);
    expect(c.messages).toHaveLength(2);
    c.close();
  });

  it('accepts structured-mode CloudEvents too', async () => {
    const rider = await signToken();
    const c = await connect(ctx.n.wsUrl, rider.token);
    const data = { rideId: uuid(), riderId: rider.userId };
    const res = await fetch(`${ctx.n.eventsUrl}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: uuid(), source: '/microride/test', type: 'microride.ride.expired', data }),
    });
    expect(res.status).toBe(202);
    expect((await c.waitFor(1))[0]).toMatchObject({ type: 'microride.ride.expired', rideId: data.rideId, data });
    c.close();
  });

  it('answers 400 (final, dead-lettered) to a non-CloudEvent or bad data, 202 to types it does not push', async () => {
    const notCe = await fetch(`${ctx.n.eventsUrl}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(notCe.status).toBe(400);
    expect(notCe.headers.get('content-type')).toBe('application/problem+json');
    const bad = await postEvent(ctx.n.eventsUrl, { type: 'microride.ride.started', data: { rideId: uuid() } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/riderId/);
    const other = await postEvent(ctx.n.eventsUrl, { type: 'microride.ride.declined', data: { rideId: uuid(), driverId: uuid() } });
    expect(other.status).toBe(202);
  });

  it('serves liveness, readiness and 404s', async () => {
    expect((await fetch(`${ctx.n.url}/health/liveness`)).status).toBe(200);
    const ready = await fetch(`${ctx.n.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok', fanout: 'ok' } });
    expect((await fetch(`${ctx.n.url}/nope`)).status).toBe(404);
  });
});
