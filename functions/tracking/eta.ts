/**
 * The ETA a rider is shown: distance along a city-speed model, corrected by how fast the
 * driver has actually been going. Deliberately simple and explicit (no routing engine):
 *
 *   distance = haversine(driver, target) × detour factor
 *   recent   = the speed the phone reports, else the speed between the last two positions
 *   speed    = clamp(w × recent + (1 − w) × city, city / bound, city × bound)   (no recent: city)
 *   eta      = distance / speed
 *
 * The blend keeps the ETA honest in a jam or on a fast road, and the bound keeps one
 * odd reading (a red light, a GPS jump) from swinging it wildly. Pure: no clock, no I/O.
 */
import { haversineMeters, type LatLon } from '../../platform/geo.js';

export interface EtaModel {
  citySpeedKmh: number;
  detourFactor: number;
  /** 0..1: weight of the recent speed. */
  recentWeight: number;
  /** ≥ 1: the speed stays within [city / bound, city × bound]. */
  boundFactor: number;
}

export interface Fix extends LatLon {
  at: Date;
}

/** Recent speeds derived over shorter or longer spans are noise or history, not "recent". */
const DERIVED_SPAN_MS = { min: 500, max: 60_000 } as const;

/** km/h between two fixes; null when their spacing says nothing about the current speed. */
export function derivedSpeedKmh(prev: Fix, cur: Fix): number | null {
  const dt = cur.at.getTime() - prev.at.getTime();
  if (dt < DERIVED_SPAN_MS.min || dt > DERIVED_SPAN_MS.max) return null;
  return (haversineMeters(prev, cur) / (dt / 1000)) * 3.6;
}

/** The speed the ETA assumes, in km/h. */
export function effectiveSpeedKmh(recentKmh: number | null, m: EtaModel): number {
  if (recentKmh === null || !Number.isFinite(recentKmh) || recentKmh < 0) return m.citySpeedKmh;
  const blended = m.recentWeight * recentKmh + (1 - m.recentWeight) * m.citySpeedKmh;
  return Math.min(m.citySpeedKmh * m.boundFactor, Math.max(m.citySpeedKmh / m.boundFactor, blended));
}

export interface Eta {
  distanceMeters: number;
  etaSeconds: number;
}

export function estimate(from: LatLon, to: LatLon, recentKmh: number | null, m: EtaModel): Eta {
  const distance = haversineMeters(from, to) * m.detourFactor;
  const metersPerSecond = effectiveSpeedKmh(recentKmh, m) / 3.6;
  return { distanceMeters: Math.round(distance), etaSeconds: Math.round(distance / metersPerSecond) };
}
