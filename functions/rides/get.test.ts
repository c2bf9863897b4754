import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './get.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf } from '../test-support.js';
import { asDriver, asOtherDriver, asRider, driverId, offerRow, otherDriverId, rideIn, riderId } from './test-support.js';
import type { OfferRow, RideRow } from './store.js';
import type { LivePosition } from '../../contracts/live-position.js';

function stores(ride: RideRow | undefined, offer?: OfferRow, live: LivePosition | null = null): Stores & { offerReads: string[]; liveReads: string[] } {
  const offerReads: string[] = [];
  const liveReads: string[] = [];
  return {
    offerReads,
    liveReads,
    latestPosition: async (id) => (liveReads.push(id), live),
    findRide: async (id) => (ride && id === ride.id ? ride : undefined),
    findOffer: async (rideId, driver) => {
      offerReads.push(driver);
      return offer && offer.ride_id === rideId && offer.driver_id === driver ? offer : undefined;
    },
  };
}

describe('rides-get handle', () => {
  it('shows the rider their ride, without the idempotency key or request hash', async () => {
    const ride = rideIn('accepted', { idempotency_key: 'SECRET-KEY', request_hash: 'SECRET-HASH' });
    const out = await handle({ id: ride.id }, asRider, stores(ride));
    expect(out).toMatchObject({
      id: ride.id,
      status: 'accepted',
      riderId,
      driverId,
      quote: { fare: { amount: 1_250, currency: 'EUR' }, surgeMultiplier: 1, distanceMeters: 4_000, durationSeconds: 600 },
      fare: { amount: 1_250, currency: 'EUR', final: false, basis: null },
      cancellation: null,
      rating: null,
    });
    expect(out).not.toHaveProperty('offer');
    expect(JSON.stringify(out)).not.toMatch(/SECRET-KEY|SECRET-HASH|tariff/);
  });

  it('shows the assigned driver and an admin the ride without reading any offer', async () => {
    const ride = rideIn('in_progress');
    const s = stores(ride);
    expect((await handle({ id: ride.id }, asDriver, s)).status).toBe('in_progress');
    expect((await handle({ id: ride.id }, { userId: otherDriverId, role: 'admin' }, s)).id).toBe(ride.id);
    expect(s.offerReads).toEqual([]);
  });

  it('shows an offered driver the ride with their offer while it can be accepted, and 404 in every other state', async () => {
    for (const status of rideStatuses) {
      const ride = rideIn(status, { driver_id: null });
      const offer = offerRow({ ride_id: ride.id, driver_id: otherDriverId, round: 2 });
      const work = handle({ id: ride.id }, asOtherDriver, stores(ride, offer));
      if (startsFrom(transitions.accept, status)) {
        expect((await work).offer, status).toEqual({ round: 2, expiresAt: offer.expires_at.toISOString() });
      } else {
        expect((await problemOf(work)).status, status).toBe(404);
      }
    }
  });

  it('is 404 for a ride that does not exist and for one that is someone else’s', async () => {
    const ride = rideIn('matching');
    expect((await problemOf(handle({ id: ride.id }, asOtherDriver, stores(ride)))).detail).toBe('ride not found');
    expect((await problemOf(handle({ id: ride.id }, { userId: otherDriverId, role: 'rider' }, stores(ride)))).status).toBe(404);
    expect((await problemOf(handle({ id: ride.id }, asRider, stores(undefined)))).status).toBe(404);
  });

  it('shows where the driver is and the ETA while accepted, arrived or in_progress, and reads nothing live in other states', async () => {
    for (const status of rideStatuses) {
      const ride = rideIn(status);
      const live: LivePosition = {
        rideId: ride.id, lat: 52.5, lon: 13.4, heading: 90, speedKmh: 20,
        towards: status === 'in_progress' ? 'dropoff' : 'pickup', etaSeconds: 120, distanceMeters: 800, at: '2026-12-03T10:00:00.000Z',
      };
      const s = stores(ride, undefined, live);
      const out = await handle({ id: ride.id }, asRider, s);
      const shown = status === 'accepted' || status === 'arrived' || status === 'in_progress';
      expect(out.live, status).toEqual(shown ? live : null);
      expect(s.liveReads, status).toEqual(shown ? [ride.id] : []);
    }
    const ride = rideIn('accepted');
    expect((await handle({ id: ride.id }, asRider, stores(ride, undefined, null))).live).toBeNull(); // no ping for a minute
  });
});
