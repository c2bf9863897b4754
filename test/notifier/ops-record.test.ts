/**
 * The operations console's read model against the real Redis: rides open and close with
 * their events in any order, a late event cannot bring an ended ride back, pickup waits
 * and per-minute counters are kept.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { closeClients, redis } from '../../platform/clients.js';
import { cleanupStores } from '../helpers/platform.js';
import { opsKeys, recordForOps } from '../../notifier/ops-record.js';

afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

const at = new Date().toISOString();
const ride = async (id: string) => {
  const v = await redis().hget(opsKeys.rides(), id);
  return v ? (JSON.parse(v) as { status: string; pickup?: number[]; dropoff?: number[]; driverId?: string }) : null;
};

describe('ops read model', () => {
  it('keeps a ride from request to its end, whatever order the events come in', async () => {
    const rideId = randomUUID();
    const riderId = randomUUID();
    const driverId = randomUUID();
    const t0 = Date.now();
    // accepted overtakes requested: the ride has its driver, then its places, and stays accepted.
    await recordForOps(redis(), 'microride.ride.accepted', { rideId, riderId, driverId, acceptedAt: at }, at, t0 + 5000);
    await recordForOps(redis(), 'microride.ride.requested', {
      rideId, riderId, pickup: { lat: 52.52, lon: 13.405 }, dropoff: { lat: 52.5, lon: 13.39 }, vehicleClass: 'economy', fare: { amount: 700, currency: 'EUR' }, requestedAt: new Date(t0).toISOString(),
    }, at, t0 + 5100);
    expect(await ride(rideId)).toMatchObject({ status: 'accepted', pickup: [52.52, 13.405], dropoff: [52.5, 13.39], driverId });
    await recordForOps(redis(), 'microride.ride.driver_arrived', { rideId, riderId, driverId }, at, t0 + 65_000);
    const waits = await redis().zrange(opsKeys.waits(), '0', '-1');
    expect(waits).toContain(`${rideId}:65000`);
    await recordForOps(redis(), 'microride.ride.completed', { rideId, riderId, driverId, distanceMeters: 1, durationSeconds: 1, fare: { amount: 700, currency: 'EUR' } }, at, t0 + 70_000);
    expect(await ride(rideId)).toBeNull();
    // A late "started" after the end does not bring the ride back on the map.
    await recordForOps(redis(), 'microride.ride.started', { rideId, riderId, driverId }, at, t0 + 71_000);
    expect(await ride(rideId)).toBeNull();
  });

  it('counts events per minute and keeps the feed', async () => {
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    const before = Number((await redis().get(opsKeys.count('payment_failed', minute))) ?? 0);
    await recordForOps(redis(), 'microride.payment.failed', { paymentId: randomUUID(), rideId: randomUUID(), riderId: randomUUID(), kind: 'fare', amount: 700, currency: 'EUR' }, at, now);
    expect(Number(await redis().get(opsKeys.count('payment_failed', minute)))).toBe(before + 1);
    const last = (await redis().xrevrange(opsKeys.feed(), '+', '-', 'COUNT', 1)) as [string, string[]][];
    expect(JSON.parse(last[0]?.[1][1] ?? '{}')).toMatchObject({ type: 'microride.payment.failed' });
  });
});
