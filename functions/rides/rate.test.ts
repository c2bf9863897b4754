import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './rate.js';
import type { RideRow } from './store.js';
import { transitions } from './transitions.js';
import { problemOf } from '../test-support.js';
import { asRider, driverId, rideIn, riderId, card } from './test-support.js';

const someoneElse = '77777777-7777-4777-8777-777777777777';

/** The rating statement rates `rates` (or nothing); the read after a miss finds `ride`. */
function stores(opts: { rates?: RideRow; ride?: RideRow }) {
  const rated: Parameters<Stores['rate']>[0][] = [];
  const events: ReturnType<Parameters<Stores['rate']>[1]>[] = [];
  const s: Stores = {
    rate: async (r, eventOf) => {
      rated.push(r);
      if (!opts.rates) return undefined;
      const row = { ...opts.rates, rating_stars: r.stars, rating_comment: r.comment };
      events.push(eventOf(row, row.driver_id!));
      return row;
    },
    findRide: async () => opts.ride,
  };
  return { s, rated, events };
}

describe('rides-rate handle', () => {
  it('rates a completed ride once, with the event that carries the driver to the drivers service', async () => {
    const ride = rideIn('completed');
    const { s, rated, events } = stores({ rates: ride });
    const out = await handle({ id: ride.id, stars: 4, comment: 'smooth' }, asRider, s);
    expect(rated).toEqual([{ id: ride.id, riderId, stars: 4, comment: 'smooth' }]);
    expect(events).toEqual([{ type: 'microride.ride.rated', subject: ride.id, data: { rideId: ride.id, riderId, driverId, stars: 4, driver: card } }]);
    expect(out.rating).toEqual({ stars: 4, comment: 'smooth' });
  });

  it('stores no comment as null', async () => {
    const { s, rated } = stores({ rates: rideIn('completed') });
    await handle({ id: 'r', stars: 5 }, asRider, s);
    expect(rated[0]!.comment).toBeNull();
  });

  it('is 409 naming the current state for a ride not completed, and 409 for one rated already', async () => {
    for (const status of rideStatuses.filter((x) => x !== transitions.complete.to)) {
      const p = await problemOf(handle({ id: 'r', stars: 3 }, asRider, stores({ ride: rideIn(status) }).s));
      expect([p.status, p.detail, p.extra.currentStatus], status).toEqual([409, `cannot rate a ride that is ${status}`, status]);
    }
    const again = await problemOf(handle({ id: 'r', stars: 3 }, asRider, stores({ ride: rideIn('completed', { rating_stars: 5 }) }).s));
    expect([again.status, again.detail]).toEqual([409, 'you already rated this ride']);
  });

  it('is 404 for a ride that is not the caller’s, or none', async () => {
    const ride = rideIn('completed');
    expect((await problemOf(handle({ id: ride.id, stars: 3 }, { userId: someoneElse, role: 'rider' }, stores({ ride }).s))).status).toBe(404);
    expect((await problemOf(handle({ id: ride.id, stars: 3 }, asRider, stores({}).s))).status).toBe(404);
  });
});
