import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './start.js';
import type { PickupGuard } from './pickup-code.js';
import { HttpProblem } from '../../platform/problem.js';
import type { Transition } from './store.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf } from '../test-support.js';
import { PICKUP_CODE, asDriver, asOtherDriver, asRider, driverId, fakeStepStores, offerRow, otherDriverId, rideIn } from './test-support.js';
import type { RideRow, OfferRow } from './store.js';

/** The step's fakes and a wrong-code counter that locks after `locked` (or never). */
function startStores(opts: { moves?: RideRow; ride?: RideRow; offer?: OfferRow; locked?: boolean }) {
  const { s, moves } = fakeStepStores(opts);
  const wrong: string[] = [];
  const pickup: PickupGuard = {
    assertNotLocked: async () => {
      if (opts.locked) throw new HttpProblem(429, 'too many wrong pickup codes; retry in 60 s', { headers: { 'retry-after': '60' } });
    },
    wrongCode: async (rideId, driver) => {
      wrong.push(`${rideId} ${driver}`);
      return new HttpProblem(422, 'wrong pickup code', { errors: [{ path: 'pickupCode', message: 'does not match' }] });
    },
  };
  const all: Stores = { ...s, pickup };
  return { s: all, moves, wrong };
}
const withCode = (id: string, pickupCode = PICKUP_CODE) => ({ id, pickupCode });

describe('rides-start handle', () => {
  it('moves arrived → in_progress for the assigned driver only, stamped, with its event (the rider from the row)', async () => {
    const ride = rideIn('in_progress', { started_at: new Date() });
    const { s, moves } = startStores({ moves: ride });
    const out = await handle(withCode(ride.id), asDriver, s);
    expect(out).toMatchObject({ id: ride.id, status: 'in_progress', startedAt: ride.started_at!.toISOString() });

    const [t, event] = moves[0]!;
    expect(t).toEqual<Transition>({
      id: ride.id,
      from: transitions.start.from,
      to: transitions.start.to,
      set: { started_at: expect.any(Date) },
      where: { driver_id: driverId },
      whereRaw: { sql: '(pickup_code = ? or pickup_code is null)', bindings: [PICKUP_CODE] },
    });
    expect(event).toEqual({ type: 'microride.ride.started', subject: ride.id, data: { rideId: ride.id, driverId } });
    expect(JSON.stringify([out, event])).not.toContain(PICKUP_CODE);
  });

  it('is 422 naming pickupCode and counts it when the code is wrong', async () => {
    const ride = rideIn('arrived');
    const { s, wrong } = startStores({ ride });
    const p = await problemOf(handle(withCode(ride.id, '0000'), asDriver, s));
    expect([p.status, p.extra.errors]).toEqual([422, [{ path: 'pickupCode', message: 'does not match' }]]);
    expect(wrong).toEqual([`${ride.id} ${driverId}`]);
  });

  it('is 429 while the ride is locked out, before any statement runs', async () => {
    const ride = rideIn('arrived');
    const { s, moves } = startStores({ ride, locked: true });
    const p = await problemOf(handle(withCode(ride.id), asDriver, s));
    expect([p.status, p.extra.headers]).toEqual([429, { 'retry-after': '60' }]);
    expect(moves).toEqual([]);
  });

  it('does not count a refusal that is not about the code (another driver, another state)', async () => {
    const ride = rideIn('arrived');
    const other = startStores({ ride });
    expect((await problemOf(handle(withCode(ride.id, '0000'), asOtherDriver, other.s))).status).toBe(404);
    const started = rideIn('in_progress');
    const again = startStores({ ride: started });
    expect((await problemOf(handle(withCode(started.id, '0000'), asDriver, again.s))).status).toBe(409);
    expect([...other.wrong, ...again.wrong]).toEqual([]);
  });

  it('is 409 naming the current state for every state a start cannot leave', async () => {
    for (const status of rideStatuses.filter((x) => !startsFrom(transitions.start, x))) {
      const ride = rideIn(status, { driver_id: driverId });
      const p = await problemOf(handle(withCode(ride.id), asDriver, startStores({ ride }).s));
      expect([p.status, p.detail, p.extra.currentStatus], status).toEqual([409, `cannot start a ride that is ${status}`, status]);
    }
  });

  it('is 403 for the ride’s rider or a driver it was offered to, 404 for anyone else', async () => {
    const ride = rideIn('arrived');
    const rider = await problemOf(handle(withCode(ride.id), asRider, startStores({ ride }).s));
    expect([rider.status, rider.detail]).toEqual([403, 'only the assigned driver can start this ride']);
    const offered = offerRow({ ride_id: ride.id, driver_id: otherDriverId });
    expect((await problemOf(handle(withCode(ride.id), asOtherDriver, startStores({ ride, offer: offered }).s))).status).toBe(403);
    expect((await problemOf(handle(withCode(ride.id), asOtherDriver, startStores({ ride }).s))).status).toBe(404);
    expect((await problemOf(handle(withCode(ride.id), asDriver, startStores({}).s))).status).toBe(404);
  });
});
