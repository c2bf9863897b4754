/**
 * Fare rules. All money is integer cents (EUR), so a quote, the final fare and a payment
 * add up to the cent and never drift through floating point.
 *
 *   subtotal = base + perKm·km + perMinute·minutes
 *   total    = subtotal · surge, never below the class minimum
 * The breakdown's parts always sum to `amount`.
 */
import type { VehicleClass } from '../../contracts/vehicles.js';

export interface Tariff {
  /** Flag fall, cents. */
  base: number;
  /** Cents per kilometre. */
  perKm: number;
  /** Cents per minute. */
  perMinute: number;
  /** Minimum fare, cents (after surge). */
  minimum: number;
}

export const CURRENCY = 'EUR' as const;

export const tariffs: Readonly<Record<VehicleClass, Tariff>> = {
  economy: { base: 250, perKm: 110, perMinute: 25, minimum: 600 },
  comfort: { base: 350, perKm: 150, perMinute: 35, minimum: 900 },
  xl: { base: 450, perKm: 190, perMinute: 45, minimum: 1200 },
};

export interface FareBreakdown {
  base: number;
  distance: number;
  time: number;
  /** What the surge multiplier added on top of base + distance + time. */
  surgeExtra: number;
  /** What was added to reach the class minimum (0 when the fare is above it). */
  minimumApplied: number;
}

export interface Fare {
  amount: number;
  currency: typeof CURRENCY;
  breakdown: FareBreakdown;
}

/**
 * The fare for a distance and a duration. Used for the quote (estimated distance) and by
 * rides at completion (distance actually driven, the quote's tariff and surge).
 */
export function finalFare(tariff: Tariff, surge: number, distanceMeters: number, durationSeconds: number): Fare {
  if (!Number.isFinite(surge) || surge < 1) throw new RangeError(`surge must be ≥ 1 (got ${surge})`);
  const base = tariff.base;
  const distance = Math.round((tariff.perKm * Math.max(0, distanceMeters)) / 1000);
  const time = Math.round((tariff.perMinute * Math.max(0, durationSeconds)) / 60);
  const subtotal = base + distance + time;
  const surgeExtra = Math.round(subtotal * (surge - 1));
  const minimumApplied = Math.max(0, tariff.minimum - (subtotal + surgeExtra));
  return {
    amount: subtotal + surgeExtra + minimumApplied,
    currency: CURRENCY,
    breakdown: { base, distance, time, surgeExtra, minimumApplied },
  };
}
