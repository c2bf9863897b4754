import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './decline.js';
import type { OfferRow, RideRow } from './store.js';
import { problemOf } from '../test-support.js';
import { asDriver, driverId, offerRow, recordedReads, rideIn } from './test-support.js';

function stores(opts: { declines: boolean; ride?: RideRow; offer?: OfferRow }) {
  const declines: Parameters<Stores['decline']>[] = [];
  const { reads, ...find } = recordedReads(opts);
  const s: Stores = {
    ...find,
    decline: async (...args) => {
      declines.push(args);
      return opts.declines;
    },
  };
  return { s, declines, reads };
}

describe('rides-decline handle', () => {
  it('declines the live offer with its event and answers no content, reading nothing', async () => {
    const ride = rideIn('matching');
    const { s, declines, reads } = stores({ declines: true });
    expect(await handle({ id: ride.id }, asDriver, s)).toBeNull();
    expect(declines).toEqual([[ride.id, driverId, { type: 'microride.ride.declined', subject: ride.id, data: { rideId: ride.id, driverId } }]]);
    expect(reads).toEqual([]);
  });

  it('is no error when there was nothing left to decline, whatever the ride’s state', async () => {
    for (const status of rideStatuses) {
      const ride = rideIn(status);
      const { s, reads } = stores({ declines: false, ride, offer: offerRow({ ride_id: ride.id, declined_at: new Date() }) });
      expect(await handle({ id: ride.id }, asDriver, s), status).toBeNull();
      expect(reads.sort()).toEqual(['offer', 'ride']);
    }
  });

  it('is 403 for a ride never offered to the caller and 404 for no ride', async () => {
    const ride = rideIn('matching');
    const p = await problemOf(handle({ id: ride.id }, asDriver, stores({ declines: false, ride }).s));
    expect([p.status, p.detail]).toEqual([403, 'this ride was not offered to you']);
    expect((await problemOf(handle({ id: ride.id }, asDriver, stores({ declines: false }).s))).status).toBe(404);
  });
});
