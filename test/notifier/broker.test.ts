/**
 * End to end through the real local broker on RabbitMQ: events enter the broker's
 * ingress, the notifier's Triggers filter them and their dispatchers POST them (binary,
 * Prefer: reply) to the notifier, which pushes them to exactly the right sockets.
 */
import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { broker as brokerDef } from '../../contracts/triggers.js';
import { config } from '../../platform/config.js';
import { notifierTriggers } from '../../contracts/triggers.js';
import { connect, postEvent, receivesNothing, signToken, useNotifier } from './helpers.js';

const ctx = useNotifier();
let broker: RunningBroker;

beforeAll(async () => {
  broker = await startBroker({
    amqpUrl: config().RABBITMQ_URL,
    prefix: `${config().BROKER_PREFIX}notifier.${randomUUID().slice(0, 6)}.`,
    port: 0,
    host: '127.0.0.1',
    triggers: notifierTriggers(brokerDef),
    subscriberUrl: () => `${ctx.n.eventsUrl}/`,
    queueType: 'classic',
  });
});

afterAll(async () => {
  await broker?.close();
  await broker?.deleteTopology();
});

describe('notifier behind the broker', () => {
  it('a ride from offer to payment reaches its rider and drivers, and nobody else', async () => {
    const [rider, d1, d2, bystander] = await Promise.all([signToken(), signToken({ role: 'driver' }), signToken({ role: 'driver' }), signToken()]);
    const [cr, c1, c2, cb] = await Promise.all([rider, d1, d2, bystander].map((u) => connect(ctx.n.wsUrl, u.token)));
    const rideId = randomUUID();
    const parties = { rideId, riderId: rider.userId, driverId: d1.userId };
    const now = new Date().toISOString();
    const events = [
      { type: 'microride.ride.offered', data: { rideId, riderId: rider.userId, driverIds: [d1.userId, d2.userId], expiresAt: now, round: 1 } },
      { type: 'microride.ride.declined', data: { rideId, driverId: d2.userId } }, // not pushed: no Trigger for it
      { type: 'microride.ride.accepted', data: { ...parties, acceptedAt: now } },
      { type: 'microride.ride.driver_arrived', data: parties },
      { type: 'microride.ride.started', data: parties },
      { type: 'microride.ride.completed', data: { ...parties, distanceMeters: 4200, durationSeconds: 660, fare: { amount: 1450, currency: 'EUR' } } },
      {
        type: 'microride.payment.succeeded',
        data: { paymentId: randomUUID(), ...parties, kind: 'fare', amount: 1450, currency: 'EUR' },
      },
    ];
    for (const e of events) expect((await postEvent(broker.url, { ...e, source: '/microride/rides' })).status).toBe(202);

    const riderTypes = ['accepted', 'driver_arrived', 'started', 'completed'].map((t) => `microride.ride.${t}`).concat('microride.payment.succeeded');
    const types = async (c: typeof cr, n: number) => (await c!.waitFor(n, 15_000)).map((m) => m.type).sort();
    expect(await types(cr, 5)).toEqual([...riderTypes].sort());
    expect(await types(c1, 6)).toEqual(['microride.ride.offered', ...riderTypes].sort());
    expect(await types(c2, 1)).toEqual(['microride.ride.offered']);
    for (const c of [cr, c1, c2]) expect(c!.messages.every((m) => m.rideId === rideId)).toBe(true);
    expect(await receivesNothing(cb!, 500)).toBe(true);
    expect(cr!.messages).toHaveLength(5);
    expect(c2!.messages).toHaveLength(1);
    for (const c of [cr, c1, c2, cb]) c!.close();
  });
});
