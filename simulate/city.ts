/**
 * The simulated city's geometry: a disc of streets on a square grid around the centre the
 * platform's examples and benchmarks use (Berlin Mitte). Positions are kept in metres east
 * and north of the centre and turned into lat/lon only at the API. Its 9 km radius touches
 * 26 of the platform's market cells (geohash precision 5, platform/geo.ts
 * MARKET_CELL_PRECISION, ~3 × 4.9 km at this latitude), so surge differs between neighbourhoods.
 */
import type { LatLon } from '../platform/geo.js';

export const CITY_CENTRE: LatLon = { lat: 52.52, lon: 13.405 };
export const CITY_RADIUS_M = 9_000;
/** Distance between parallel streets. */
export const BLOCK_M = 200;

/** Metres east (x) and north (y) of the centre. */
export interface Xy {
  x: number;
  y: number;
}

const M_PER_DEG_LAT = 111_320;
const mPerDegLon = M_PER_DEG_LAT * Math.cos((CITY_CENTRE.lat * Math.PI) / 180);

export function toLatLon(p: Xy): LatLon {
  // Six decimals is ~10 cm: a phone's GPS does not say more.
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return { lat: round(CITY_CENTRE.lat + p.y / M_PER_DEG_LAT), lon: round(CITY_CENTRE.lon + p.x / mPerDegLon) };
}

export function toXy(p: LatLon): Xy {
  return { x: (p.lon - CITY_CENTRE.lon) * mPerDegLon, y: (p.lat - CITY_CENTRE.lat) * M_PER_DEG_LAT };
}

export const distanceM = (a: Xy, b: Xy): number => Math.hypot(b.x - a.x, b.y - a.y);

/** The nearest crossing of two streets. */
export const snapToCrossing = (p: Xy): Xy => ({ x: Math.round(p.x / BLOCK_M) * BLOCK_M, y: Math.round(p.y / BLOCK_M) * BLOCK_M });

/** The point pulled back inside the city's edge (one block in), then onto a crossing. */
export function keepInCity(p: Xy): Xy {
  const r = Math.hypot(p.x, p.y);
  const limit = CITY_RADIUS_M - BLOCK_M;
  const inside = r <= limit ? p : { x: (p.x / r) * limit, y: (p.y / r) * limit };
  return snapToCrossing(inside);
}
