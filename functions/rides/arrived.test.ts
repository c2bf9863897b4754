import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle } from './arrived.js';
import type { Transition } from './store.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf } from '../test-support.js';
import { asDriver, asOtherDriver, asRider, driverId, fakeStepStores, offerRow, otherDriverId, rideIn } from './test-support.js';

describe('rides-arrived handle', () => {
  it('moves accepted → arrived for the assigned driver only, stamped, with its event (the rider from the row)', async () => {
    const ride = rideIn('arrived', { arrived_at: new Date() });
    const { s, moves } = fakeStepStores({ moves: ride });
    const out = await handle({ id: ride.id }, asDriver, s);
    expect(out).toMatchObject({ id: ride.id, status: 'arrived', arrivedAt: ride.arrived_at!.toISOString() });

    const [t, event] = moves[0]!;
    expect(t).toEqual<Transition>({
      id: ride.id,
      from: transitions.arrived.from,
      to: transitions.arrived.to,
      set: { arrived_at: expect.any(Date) },
      where: { driver_id: driverId },
    });
    expect(event).toEqual({ type: 'microride.ride.driver_arrived', subject: ride.id, data: { rideId: ride.id, driverId } });
  });

  it('is 409 naming the current state for every state arrival cannot leave', async () => {
    for (const status of rideStatuses.filter((x) => !startsFrom(transitions.arrived, x))) {
      const ride = rideIn(status, { driver_id: driverId });
      const p = await problemOf(handle({ id: ride.id }, asDriver, fakeStepStores({ ride }).s));
      expect([p.status, p.detail, p.extra.currentStatus], status).toEqual([409, `cannot mark arrival for a ride that is ${status}`, status]);
    }
  });

  it('is 403 for the ride’s rider or a driver it was offered to, 404 for anyone else', async () => {
    const ride = rideIn('accepted');
    const rider = await problemOf(handle({ id: ride.id }, asRider, fakeStepStores({ ride }).s));
    expect([rider.status, rider.detail]).toEqual([403, 'only the assigned driver can mark arrival for this ride']);
    const offered = offerRow({ ride_id: ride.id, driver_id: otherDriverId });
    expect((await problemOf(handle({ id: ride.id }, asOtherDriver, fakeStepStores({ ride, offer: offered }).s))).status).toBe(403);
    expect((await problemOf(handle({ id: ride.id }, asOtherDriver, fakeStepStores({ ride }).s))).status).toBe(404);
    expect((await problemOf(handle({ id: ride.id }, asDriver, fakeStepStores({}).s))).status).toBe(404);
  });
});
