/**
 * Trip estimates without a road graph: straight-line distance times a road factor, and a
 * speed model in which the first kilometres are slow (city streets, lights) and longer
 * trips reach arterial and motorway speeds. Pure and deterministic.
 */
import { haversineMeters, type LatLon } from '../../platform/geo.js';

/** Typical detour of a road route over the straight line in European cities (1.2–1.4). */
export const ROAD_FACTOR = 1.3;

/** [up to metres, km/h] — each band's speed applies to the part of the route inside it. */
const SPEED_BANDS: readonly (readonly [number, number])[] = [
  [3_000, 20],
  [15_000, 30],
  [Infinity, 55],
];

/** A driver needs a moment to accept, turn around and pull out. */
export const PICKUP_OVERHEAD_SECONDS = 60;

export const roadDistanceMeters = (a: LatLon, b: LatLon): number => Math.round(haversineMeters(a, b) * ROAD_FACTOR);

/** Seconds to drive a road distance under the speed model. */
export function driveSeconds(roadMeters: number): number {
  let seconds = 0;
  let from = 0;
  for (const [upTo, kmh] of SPEED_BANDS) {
    if (roadMeters <= from) break;
    const inBand = Math.min(roadMeters, upTo) - from;
    seconds += inBand / ((kmh * 1000) / 3600);
    from = upTo;
  }
  return Math.round(seconds);
}

export interface TripEstimate {
  distanceMeters: number;
  durationSeconds: number;
}

export function estimateTrip(pickup: LatLon, dropoff: LatLon): TripEstimate {
  const distanceMeters = roadDistanceMeters(pickup, dropoff);
  return { distanceMeters, durationSeconds: driveSeconds(distanceMeters) };
}

/** Pickup ETA from the nearest available driver's straight-line distance. */
export function pickupEtaSeconds(straightLineMeters: number): number {
  return PICKUP_OVERHEAD_SECONDS + driveSeconds(Math.round(straightLineMeters * ROAD_FACTOR));
}
