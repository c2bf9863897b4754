import { randomUUID } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { closeClients } from '../../platform/clients.js';
import { cleanupRedis, connect, postEvent, receivesNothing, ride, signToken, spawnReplica, useKeys, type Replica } from './helpers.js';

let a: Replica;
let b: Replica;

beforeAll(async () => {
  useKeys(); // before spawning: the replicas inherit JWT_PUBLIC_KEY from this env
  [a, b] = await Promise.all([spawnReplica(), spawnReplica()]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await cleanupRedis();
  await closeClients();
});

describe('notifier: two replicas (separate processes, shared Redis)', () => {
  it('delivers every event exactly once, whichever replica the Trigger delivered it to', async () => {
    const rider = await signToken();
    const driver = await signToken({ role: 'driver' });
    const bystander = await signToken();
    const driverId = driver.userId;
    const riderOnA = await connect(a.wsUrl, rider.token);
    const riderOnB = await connect(b.wsUrl, (await signToken({ userId: rider.userId })).token); // second device
    const driverOnB = await connect(b.wsUrl, driver.token);
    const bystanderOnA = await connect(a.wsUrl, bystander.token);

    const N = 20;
    const rideIds: string[] = [];
    for (let i = 0; i < N; i++) {
      const ev = ride.started({ riderId: rider.userId, driverId });
      rideIds.push(ev.data.rideId);
      const res = await postEvent((i % 2 ? a : b).eventsUrl, ev);
      expect(res.status).toBe(202);
    }
    for (const c of [riderOnA, riderOnB, driverOnB]) {
      const got = await c.waitFor(N);
      expect(await receivesNothing(c, 200)).toBe(true);
      expect(got.map((m) => m.rideId)).toEqual(rideIds); // once each, and in order
    }
    expect(bystanderOnA.messages).toHaveLength(0);
    for (const c of [riderOnA, riderOnB, driverOnB, bystanderOnA]) c.close();
  });

  it('a redelivery of the same CloudEvent to the other replica notifies nobody twice', async () => {
    const rider = await signToken();
    const onA = await connect(a.wsUrl, rider.token);
    const onB = await connect(b.wsUrl, rider.token);
    const ev = { ...ride.expired({ riderId: rider.userId }), id: randomUUID(), source: '/microride/matching-tick' };
    const [r1, r2] = await Promise.all([postEvent(a.eventsUrl, ev), postEvent(b.eventsUrl, ev)]);
    expect([r1.status, r2.status]).toEqual([202, 202]);
    await onA.waitFor(1);
    await onB.waitFor(1);
    expect(await receivesNothing(onA, 200)).toBe(true);
    expect(onA.messages).toHaveLength(1);
    expect(onB.messages).toHaveLength(1);
    expect(onA.messages[0]!.id).toBe(onB.messages[0]!.id);
    onA.close();
    onB.close();
  });

  it('a client that moves replica resumes with since and misses nothing', async () => {
    const rider = await signToken();
    const onA = await connect(a.wsUrl, rider.token);
    await postEvent(b.eventsUrl, ride.expired({ riderId: rider.userId }));
    const [m1] = await onA.waitFor(1);
    onA.close();
    await onA.closed;
    const missed = ride.expired({ riderId: rider.userId });
    await postEvent(a.eventsUrl, missed);
    const onB = await connect(b.wsUrl, rider.token, { since: m1!.id });
    const [m2] = await onB.waitFor(1);
    expect(m2!.rideId).toBe(missed.data.rideId);
    onB.close();
  });
});
