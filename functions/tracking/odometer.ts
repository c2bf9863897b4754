/**
 * Distance actually driven, from a driver's position samples. GPS fixes jump (urban
 * canyons, a fix from a cell tower); a segment faster than any car in town is a jump, not
 * driving, and must not be billed.
 */
import { haversineMeters, type LatLon } from '../../platform/geo.js';

export const MAX_PLAUSIBLE_KMH = 200;
/** Two fixes in the same instant farther apart than this are a jump as well. */
const SAME_INSTANT_TOLERANCE_M = 25;

export interface Sample extends LatLon {
  at: Date;
}

const plausible = (a: Sample, b: Sample): boolean => {
  const meters = haversineMeters(a, b);
  const seconds = (b.at.getTime() - a.at.getTime()) / 1000;
  if (seconds <= 0) return meters <= SAME_INSTANT_TOLERANCE_M;
  return (meters / seconds) * 3.6 <= MAX_PLAUSIBLE_KMH;
};

export interface Odometer {
  meters: number;
  /** Samples counted (jumps left out). */
  used: number;
}

/**
 * Sums the legs between consecutive plausible samples (sorted by time). A sample that
 * jumps away from the last good one is dropped; but if the next sample agrees with the
 * dropped one, the earlier anchor was the bad fix, and counting restarts from there
 * (without billing the jump itself).
 */
export function drivenDistance(samples: readonly Sample[]): Odometer {
  let anchor: Sample | undefined;
  let suspect: Sample | undefined;
  let meters = 0;
  let used = 0;
  for (const s of samples) {
    if (!anchor) {
      anchor = s;
      used = 1;
      continue;
    }
    if (plausible(anchor, s)) {
      meters += haversineMeters(anchor, s);
      anchor = s;
      used += 1;
      suspect = undefined;
    } else if (suspect && plausible(suspect, s)) {
      meters += haversineMeters(suspect, s);
      anchor = s;
      used += 2;
      suspect = undefined;
    } else {
      suspect = s;
    }
  }
  return { meters: Math.round(meters), used };
}
