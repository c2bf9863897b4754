import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './trip-status.js';
import type { TripOutcome } from './trips.js';

function fakes(outcome: TripOutcome) {
  const calls: string[] = [];
  const logs: [unknown, string | undefined][] = [];
  const stores: Stores = {
    async tripAccepted(rideId, driverId) {
      calls.push(`accepted ${rideId} ${driverId}`);
      return outcome;
    },
    async tripEnded(rideId, driverId) {
      calls.push(`ended ${rideId} ${driverId}`);
      return outcome;
    },
    async driverCancelled(c) {
      calls.push(`cancelled ${c.rideId} ${c.driverUserId} ${c.from} ${c.reason}`);
      return true;
    },
  };
  const log = { info: (obj: unknown, msg?: string) => void logs.push([obj, msg]) };
  return { stores, calls, logs, ctx: { log } };
}

describe('drivers-trip-status handle', () => {
  it('puts the driver on the accepted trip and logs the outcome', async () => {
    const { stores, calls, logs, ctx } = fakes('on_trip');
    const rideId = randomUUID();
    const driverId = randomUUID();
    await handle({ type: 'microride.ride.accepted', data: { rideId, driverId } }, ctx, stores);
    expect(calls).toEqual([`accepted ${rideId} ${driverId}`]);
    expect(logs).toEqual([[{ rideId, driverId, outcome: 'on_trip' }, 'trip accepted']]);
  });

  it('ends the trip on completion and on a cancellation by or after the driver', async () => {
    const { stores, calls, logs, ctx } = fakes('online');
    const [r1, r2, driverId] = [randomUUID(), randomUUID(), randomUUID()];
    await handle({ type: 'microride.ride.completed', data: { rideId: r1, driverId } }, ctx, stores);
    await handle({ type: 'microride.ride.cancelled', data: { rideId: r2, driverId } }, ctx, stores);
    expect(calls).toEqual([`ended ${r1} ${driverId}`, `ended ${r2} ${driverId}`]);
    expect(logs).toEqual([
      [{ rideId: r1, driverId, outcome: 'online' }, 'trip completed'],
      [{ rideId: r2, driverId, outcome: 'online' }, 'trip cancelled'],
    ]);
  });

  it('a driver who gave the ride back before pickup is off it, and the cancellation counts against them', async () => {
    const { stores, calls, logs, ctx } = fakes('online');
    const [rideId, driverId] = [randomUUID(), randomUUID()];
    await handle({ type: 'microride.ride.rematching', data: { rideId, driverId, from: 'arrived', reason: 'flat tyre' } }, ctx, stores);
    expect(calls.sort()).toEqual([`cancelled ${rideId} ${driverId} arrived flat tyre`, `ended ${rideId} ${driverId}`]);
    expect(logs).toEqual([[{ rideId, driverId, outcome: 'online', counted: true }, 'driver gave the ride back before pickup']]);
  });

  it('leaves every driver alone when a ride is cancelled before anyone accepted it', async () => {
    const { stores, calls, logs, ctx } = fakes('online');
    await handle({ type: 'microride.ride.cancelled', data: { rideId: randomUUID(), driverId: null } }, ctx, stores);
    expect(calls).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('lets a store failure through, so the broker redelivers the event', async () => {
    const { ctx } = fakes('online');
    const down = new Error('connection terminated');
    const failing: Stores = { tripAccepted: () => Promise.reject(down), tripEnded: () => Promise.reject(down), driverCancelled: () => Promise.reject(down) };
    await expect(handle({ type: 'microride.ride.completed', data: { rideId: randomUUID(), driverId: randomUUID() } }, ctx, failing)).rejects.toBe(down);
  });
});
