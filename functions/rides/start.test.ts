import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle } from './start.js';
import type { Transition } from './store.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf } from '../test-support.js';
import { asDriver, asOtherDriver, asRider, driverId, fakeStepStores, offerRow, otherDriverId, rideIn } from './test-support.js';

describe('rides-start handle', () => {
  it('moves arrived → in_progress for the assigned driver only, stamped, with its event (the rider from the row)', async () => {
    const ride = rideIn('in_progress', { started_at: new Date() });
    const { s, moves } = fakeStepStores({ moves: ride });
    const out = await handle({ id: ride.id }, asDriver, s);
    expect(out).toMatchObject({ id: ride.id, status: 'in_progress', startedAt: ride.started_at!.toISOString() });

    const [t, event] = moves[0]!;
    expect(t).toEqual<Transition>({
      id: ride.id,
      from: transitions.start.from,
      to: transitions.start.to,
      set: { started_at: expect.any(Date) },
      where: { driver_id: driverId },
    });
    expect(event).toEqual({ type: 'microride.ride.started', subject: ride.id, data: { rideId: ride.id, driverId } });
  });

  it('is 409 naming the current state for every state a start cannot leave', async () => {
    for (const status of rideStatuses.filter((x) => !startsFrom(transitions.start, x))) {
      const ride = rideIn(status, { driver_id: driverId });
      const p = await problemOf(handle({ id: ride.id }, asDriver, fakeStepStores({ ride }).s));
      expect([p.status, p.detail, p.extra.currentStatus], status).toEqual([409, `cannot start a ride that is ${status}`, status]);
    }
  });

  it('is 403 for the ride’s rider or a driver it was offered to, 404 for anyone else', async () => {
    const ride = rideIn('arrived');
    const rider = await problemOf(handle({ id: ride.id }, asRider, fakeStepStores({ ride }).s));
    expect([rider.status, rider.detail]).toEqual([403, 'only the assigned driver can start this ride']);
    const offered = offerRow({ ride_id: ride.id, driver_id: otherDriverId });
    expect((await problemOf(handle({ id: ride.id }, asOtherDriver, fakeStepStores({ ride, offer: offered }).s))).status).toBe(403);
    expect((await problemOf(handle({ id: ride.id }, asOtherDriver, fakeStepStores({ ride }).s))).status).toBe(404);
    expect((await problemOf(handle({ id: ride.id }, asDriver, fakeStepStores({}).s))).status).toBe(404);
  });
});
