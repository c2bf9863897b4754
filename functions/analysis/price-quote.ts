/**
 * The quote as a pure function of its inputs and the market state, so the same request
 * in the same market at the same second prices the same, and tests need no Redis.
 */
import type { LatLon } from '../../platform/geo.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import { finalFare, tariffs } from './fares.js';
import { estimateTrip, pickupEtaSeconds } from './trip.js';
import { QUOTE_TTL_SECONDS, type Quote } from './quote-token.js';

/** Shown when no available driver is within the search radius: a realistic wait, not a promise. */
export const NO_DRIVER_ETA_SECONDS = 600;

export interface QuoteInput {
  riderId: string;
  pickup: LatLon;
  dropoff: LatLon;
  vehicleClass: VehicleClass;
}

export interface MarketState {
  /** Presented surge multiplier, 1.0–3.0. */
  surgeMultiplier: number;
  /** Straight-line distance of the nearest available driver, or null when there is none. */
  nearestDriverMeters: number | null;
}

export function priceQuote(input: QuoteInput, market: MarketState, now: number): Quote {
  const trip = estimateTrip(input.pickup, input.dropoff);
  const tariff = tariffs[input.vehicleClass];
  // Whole seconds, so expiresAt and the token's `exp` claim are the same instant.
  const expiresAt = new Date((Math.floor(now / 1000) + QUOTE_TTL_SECONDS) * 1000).toISOString();
  return {
    riderId: input.riderId,
    pickup: { lat: input.pickup.lat, lon: input.pickup.lon },
    dropoff: { lat: input.dropoff.lat, lon: input.dropoff.lon },
    vehicleClass: input.vehicleClass,
    fare: finalFare(tariff, market.surgeMultiplier, trip.distanceMeters, trip.durationSeconds),
    tariff: { ...tariff },
    surgeMultiplier: market.surgeMultiplier,
    distanceMeters: trip.distanceMeters,
    durationSeconds: trip.durationSeconds,
    pickupEtaSeconds: market.nearestDriverMeters === null ? NO_DRIVER_ETA_SECONDS : pickupEtaSeconds(market.nearestDriverMeters),
    expiresAt,
  };
}
