import { describe, expect, it } from 'vitest';
import { finalFare } from '../analysis/fares.js';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './complete.js';
import type { OfferRow, RideRow } from './store.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf, recordingLog } from '../test-support.js';
import { asDriver, asOtherDriver, asRider, driverId, offerRow, otherDriverId, rideIn, riderId, card } from './test-support.js';

/** Reads return `ride` (then `after`, if the ride moved meanwhile); tracking answers `measured`; the statement moves when `moves`. */
function stores(opts: { ride?: RideRow; after?: RideRow; offer?: OfferRow; measured?: { distanceMeters: number; durationSeconds: number } | null; moves?: boolean }) {
  const completes: Parameters<Stores['complete']>[] = [];
  const tracking: [string, string][] = [];
  let reads = 0;
  const s: Stores = {
    findRide: async () => (reads++ === 0 ? opts.ride : (opts.after ?? opts.ride)),
    findOffer: async () => opts.offer,
    measuredTrip: async (rideId, authorization) => {
      tracking.push([rideId, authorization]);
      return opts.measured ?? null;
    },
    complete: async (t, event) => {
      completes.push([t, event]);
      if (!opts.moves || !opts.ride) return undefined;
      return { ...opts.ride, status: t.to, ...(t.set as Partial<RideRow>) };
    },
  };
  return { s, completes, tracking };
}

describe('rides-complete handle', () => {
  it('reprices a trip that deviated beyond the threshold with the quote’s tariff and surge, capped at 1.5 × the quote, and completes with its event', async () => {
    // Quote: 4 km, 10 min, 1250 cents; driven 6 km, 15 min (50 % over) at surge 1.5 → 2130, capped at 1875.
    const ride = rideIn('in_progress', { quote: { ...rideIn('in_progress').quote, surgeMultiplier: 1.5 } });
    const measured = { distanceMeters: 6_000, durationSeconds: 900 };
    const { s, completes, tracking } = stores({ ride, measured, moves: true });
    const { log, lines } = recordingLog();
    const out = await handle({ id: ride.id, authorization: 'Bearer driver-token' }, asDriver, log, s);

    expect(finalFare(ride.quote.tariff, 1.5, 6_000, 900).amount).toBeGreaterThan(1_875);
    const reason = 'distance 50 % over the quote, duration 50 % over the quote; capped at 1.5 × the quote';
    expect(tracking).toEqual([[ride.id, 'Bearer driver-token']]);
    const [t, event] = completes[0]!;
    expect(t).toEqual({
      id: ride.id,
      from: transitions.complete.from,
      to: transitions.complete.to,
      where: { driver_id: driverId },
      set: { completed_at: expect.any(Date), final_amount: 1_875, distance_meters: 6_000, duration_seconds: 900, fare_basis: 'measured', fare_reason: reason },
    });
    expect(event).toEqual({
      type: 'microride.ride.completed',
      subject: ride.id,
      data: { rideId: ride.id, riderId, driverId, distanceMeters: 6_000, durationSeconds: 900, fare: { amount: 1_875, currency: 'EUR' }, basis: 'measured', reason, driver: card },
    });
    expect(out).toMatchObject({ status: 'completed', fare: { amount: 1_875, final: true, basis: 'measured', reason }, distanceMeters: 6_000 });
    expect(lines.map((l) => [l.msg, l.basis])).toEqual([['ride completed', 'measured']]);
  });

  it('charges exactly the quote when the measured trip is within the threshold', async () => {
    const ride = rideIn('in_progress');
    const { s, completes } = stores({ ride, measured: { distanceMeters: 4_600, durationSeconds: 540 }, moves: true });
    const out = await handle({ id: ride.id, authorization: '' }, asDriver, recordingLog().log, s);
    expect(completes[0]![0].set).toMatchObject({ final_amount: 1_250, distance_meters: 4_600, duration_seconds: 540, fare_basis: 'quoted' });
    expect(out.fare).toEqual({ amount: 1_250, currency: 'EUR', final: true, basis: 'quoted', reason: 'distance and duration within 25 % of the quote' });
  });

  it('falls back to the quote, and says so, when tracking knows nothing', async () => {
    const ride = rideIn('in_progress');
    const { s, completes } = stores({ ride, measured: null, moves: true });
    const out = await handle({ id: ride.id, authorization: '' }, asDriver, recordingLog().log, s);
    expect(completes[0]![0].set).toMatchObject({ final_amount: 1_250, distance_meters: 4_000, duration_seconds: 600, fare_basis: 'quoted' });
    expect(out.fare).toEqual({ amount: 1_250, currency: 'EUR', final: true, basis: 'quoted', reason: 'no measurement from tracking; the quote stands' });
  });

  it('is 409 naming the current state for every state completion cannot leave, before asking tracking', async () => {
    for (const status of rideStatuses.filter((x) => !startsFrom(transitions.complete, x))) {
      const { s, completes, tracking } = stores({ ride: rideIn(status, { driver_id: driverId }) });
      const p = await problemOf(handle({ id: 'r', authorization: '' }, asDriver, recordingLog().log, s));
      expect([p.status, p.detail, p.extra.currentStatus], status).toEqual([409, `cannot complete a ride that is ${status}`, status]);
      expect([completes, tracking], status).toEqual([[], []]);
    }
  });

  it('is 403 for the rider or an offered driver and 404 for anyone else, without asking tracking', async () => {
    const ride = rideIn('in_progress');
    const rider = stores({ ride });
    expect((await problemOf(handle({ id: ride.id, authorization: '' }, asRider, recordingLog().log, rider.s))).status).toBe(403);
    const offered = stores({ ride, offer: offerRow({ ride_id: ride.id, driver_id: otherDriverId }) });
    expect((await problemOf(handle({ id: ride.id, authorization: '' }, asOtherDriver, recordingLog().log, offered.s))).status).toBe(403);
    const stranger = stores({ ride });
    expect((await problemOf(handle({ id: ride.id, authorization: '' }, asOtherDriver, recordingLog().log, stranger.s))).status).toBe(404);
    expect((await problemOf(handle({ id: ride.id, authorization: '' }, asDriver, recordingLog().log, stores({}).s))).status).toBe(404);
    expect([rider.tracking, offered.tracking, stranger.tracking]).toEqual([[], [], []]);
  });

  it('explains a completion that lost its race (the ride moved while tracking answered) with the state it is in now', async () => {
    const ride = rideIn('in_progress');
    const { s } = stores({ ride, after: { ...ride, status: 'cancelled' }, moves: false });
    const p = await problemOf(handle({ id: ride.id, authorization: '' }, asDriver, recordingLog().log, s));
    expect([p.status, p.extra.currentStatus]).toEqual([409, 'cancelled']);
  });
});
