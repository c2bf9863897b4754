/**
 * Rows, callers and fake stores for the operations' unit tests (<operation>.test.ts), which
 * give `handle` fakes instead of PostgreSQL; nothing here touches a store. Only tests import
 * this file, so no function bundle holds it (test/architecture/floors.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DriverCard } from '../../contracts/driver-card.js';
import type { RideReads } from './access.js';
import type { StepStores } from './progress.js';
import type { RideStatus } from './schemas.js';
import type { OfferRow, RideRow } from './store.js';

export const riderId = '11111111-1111-4111-8111-111111111111';
export const driverId = '22222222-2222-4222-8222-222222222222';
export const otherDriverId = '33333333-3333-4333-8333-333333333333';

/** The callers the tests act as: the ride's rider, its driver, and a driver who is neither. */
export const asRider = { userId: riderId, role: 'rider' } as const;
export const asDriver = { userId: driverId, role: 'driver' } as const;
export const asOtherDriver = { userId: otherDriverId, role: 'driver' } as const;

/** A ride as PostgreSQL returns it; `status` decides nothing else, set the rest as needed. */
export function rideRow(over: Partial<RideRow> = {}): RideRow {
  const requestedAt = new Date('2026-12-01T10:00:00.000Z');
  return {
    id: randomUUID(),
    rider_id: riderId,
    driver_id: null,
    status: 'requested',
    vehicle_class: 'economy',
    pickup_lat: 52.52,
    pickup_lon: 13.405,
    dropoff_lat: 52.5,
    dropoff_lon: 13.42,
    quote: {
      fare: { amount: 1_250, currency: 'EUR' },
      tariff: { base: 250, perKm: 120, perMinute: 30, minimum: 500 },
      surgeMultiplier: 1,
      distanceMeters: 4_000,
      durationSeconds: 600,
      pickupEtaSeconds: 180,
      expiresAt: '2026-12-01T10:05:00.000Z',
    },
    currency: 'EUR',
    quoted_amount: 1_250,
    final_amount: null,
    distance_meters: null,
    duration_seconds: null,
    fare_basis: null,
    fare_reason: null,
    cancelled_by: null,
    cancel_reason: null,
    cancel_fee: null,
    rating_stars: null,
    rating_comment: null,
    idempotency_key: 'key-1',
    request_hash: 'hash-1',
    requested_at: requestedAt,
    scheduled_for: null,
    matching_since: requestedAt,
    accepted_at: null,
    arrived_at: null,
    started_at: null,
    completed_at: null,
    cancelled_at: null,
    expired_at: null,
    rated_at: null,
    updated_at: requestedAt,
    driver_card: null,
    pickup_code: null,
    ...over,
  };
}

/** A ride in `status` with a driver assigned once the status implies one. */
export function rideIn(status: RideStatus, over: Partial<RideRow> = {}): RideRow {
  const assigned = ['accepted', 'arrived', 'in_progress', 'completed'].includes(status);
  return rideRow({
    status,
    driver_id: assigned ? driverId : null,
    accepted_at: assigned ? new Date() : null,
    driver_card: assigned ? card : null,
    pickup_code: assigned ? PICKUP_CODE : null,
    ...over,
  });
}

/** The assigned driver's card in the rows rideIn makes. */
export const card: DriverCard = {
  id: driverId,
  firstName: 'Grace',
  vehicle: { make: 'Toyota', model: 'Prius', class: 'economy', plate: 'AB123' },
  rating: { average: 4.5, count: 2 },
  positionAtAcceptance: { lat: 52.521, lon: 13.406, at: '2026-12-01T10:01:00.000Z' },
};

/** The pickup code of the rows rideIn makes. */
export const PICKUP_CODE = '4821';

export function offerRow(over: Partial<OfferRow> = {}): OfferRow {
  return {
    ride_id: randomUUID(),
    driver_id: driverId,
    round: 1,
    expires_at: new Date(Date.now() + 20_000),
    declined_at: null,
    created_at: new Date(),
    ...over,
  };
}

/** The refusal reads finding `ride` and `offer`; `reads` records which were asked ('ride', 'offer'), in order. */
export function recordedReads(opts: { ride?: RideRow | undefined; offer?: OfferRow | undefined }): RideReads & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    findRide: async () => {
      reads.push('ride');
      return opts.ride;
    },
    findOffer: async () => {
      reads.push('offer');
      return opts.offer;
    },
  };
}

/** A driver's step (arrived, start): its statement moves `moves` (or misses); the refusal reads find `ride` and `offer`. */
export function fakeStepStores(opts: { moves?: RideRow; ride?: RideRow; offer?: OfferRow }) {
  const moves: Parameters<StepStores['move']>[] = [];
  const s: StepStores = {
    move: async (...args) => {
      moves.push(args);
      return opts.moves;
    },
    findRide: async () => opts.ride,
    findOffer: async () => opts.offer,
  };
  return { s, moves };
}
