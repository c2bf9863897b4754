/**
 * At-least-once delivery: the same event (same source + id) published again changes
 * nothing and charges nothing twice; a re-emitted copy with a new id is caught by the
 * payment's idempotency key.
 */
import { config, settingsSource } from '../../platform/config.js';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CloudEvent } from 'cloudevents';
import { useRidesPlatform, type SeenEvent } from './harness.js';
import { call, eventOf, newArea, newDriver, newRider, offered, requestRide, rideIn, sleep } from './client.js';
import { sendEvent } from '../../platform/events/emit.js';

const env = useRidesPlatform({ CANCEL_GRACE_SECONDS: '0' });

const republish = async (e: SeenEvent, id = e.id) =>
  sendEvent(new CloudEvent<unknown>({ id, source: e.source, type: e.type, subject: e.subject, datacontenttype: 'application/json', data: e.data }), {
    sink: config().K_SINK!,
  });

describe('redelivered events', () => {
  it('ride.completed twice (and once more with a new id): one fare payment, one charge', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const ride = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
    const completed = await eventOf(env.events, 'microride.ride.completed', ride.id);
    await env.events.waitFor((e) => e.type === 'microride.payment.succeeded' && e.data.rideId === ride.id);

    await Promise.all([republish(completed), republish(completed), republish(completed, randomUUID())]);
    await env.events.waitFor((e) => e.type === 'microride.ride.completed' && e.data.rideId === ride.id && e.id !== completed.id);
    await sleep(800);
    const p = await call<{ payment: { attempts: number; status: string }; refunds: unknown[] }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
    expect(p.body.payment).toMatchObject({ attempts: 1, status: 'succeeded' });
    expect(env.events.of(ride.id).filter((e) => e.type === 'microride.payment.succeeded')).toHaveLength(1);
    const receipt = await call<{ lines: unknown[]; total: number }>(env.url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
    expect(receipt.body.lines).toHaveLength(1);
  });

  it('ride.cancelled with a fee, twice: one fee', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const ride = await rideIn(env.url, env.events, rider, driver, 'arrived', a.at(0), a.at(2_000));
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
    const cancelled = await eventOf(env.events, 'microride.ride.cancelled', ride.id);
    await env.events.waitFor((e) => e.type === 'microride.payment.succeeded' && e.data.rideId === ride.id);
    await Promise.all([republish(cancelled), republish(cancelled, randomUUID())]);
    await sleep(800);
    expect(env.events.of(ride.id).filter((e) => e.type === 'microride.payment.succeeded')).toHaveLength(1);
  });

  it('ride.requested again, and the same offer round handed to rides again: no second round, no second ride.offered', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    const offer = await offered(env.events, ride.id, driver.id);
    const requested = await eventOf(env.events, 'microride.ride.requested', ride.id);
    // Matching hands its decision straight to rides-offers (no Trigger): replay that call
    // as a matching redelivery would, with the round as ride.offered announced it.
    const decision = new CloudEvent<unknown>({
      id: randomUUID(), source: '/microride/matching-request', type: 'microride.matching.offer_decided', subject: ride.id,
      datacontenttype: 'application/json', data: offer.data,
    });
    const ridesOffers = settingsSource().RIDES_OFFERS_URL!;
    expect(ridesOffers).toMatch(/\/_fn\/rides-offers$/);
    await Promise.all([republish(requested), republish(requested, randomUUID()), sendEvent(decision, { sink: ridesOffers }), sendEvent(decision, { sink: ridesOffers })]);
    await sleep(800);
    const offers = env.events.of(ride.id).filter((e) => e.type === 'microride.ride.offered');
    expect(offers).toHaveLength(1);
    // The decision itself never crosses the broker.
    expect(env.events.of(ride.id).filter((e) => e.type === 'microride.matching.offer_decided')).toHaveLength(0);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, driver.session)).status).toBe(200);
  });
});
