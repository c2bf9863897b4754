/**
 * Small, dependency-free geodesy shared by analysis (trip distance, surge cells),
 * tracking (driven distance) and the live driver index (cells). Pure functions only.
 */

export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_008.8; // mean radius (IUGG); the error vs. the ellipsoid is < 0.5 %
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres. */
export function haversineMeters(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Standard geohash (base32, longitude bit first), the same cells as ngeohash or Redis. */
export function geohashEncode(p: LatLon, precision: number): string {
  let [latLo, latHi, lonLo, lonHi] = [-90, 90, -180, 180];
  let hash = '';
  let bits = 0;
  let value = 0;
  let evenBit = true;
  while (hash.length < precision) {
    if (evenBit) {
      const mid = (lonLo + lonHi) / 2;
      if (p.lon >= mid) { value = value * 2 + 1; lonLo = mid; } else { value *= 2; lonHi = mid; }
    } else {
      const mid = (latLo + latHi) / 2;
      if (p.lat >= mid) { value = value * 2 + 1; latLo = mid; } else { value *= 2; latHi = mid; }
    }
    evenBit = !evenBit;
    if (++bits === 5) {
      hash += BASE32[value];
      bits = 0;
      value = 0;
    }
  }
  return hash;
}

export interface Bounds {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** The rectangle a geohash stands for. */
export function geohashBounds(hash: string): Bounds {
  let [latLo, latHi, lonLo, lonHi] = [-90, 90, -180, 180];
  let evenBit = true;
  for (const ch of hash) {
    const idx = BASE32.indexOf(ch);
    if (idx < 0) throw new Error(`invalid geohash character "${ch}" in "${hash}"`);
    for (let bit = 4; bit >= 0; bit--) {
      const on = ((idx >> bit) & 1) === 1;
      if (evenBit) {
        const mid = (lonLo + lonHi) / 2;
        if (on) lonLo = mid; else lonHi = mid;
      } else {
        const mid = (latLo + latHi) / 2;
        if (on) latLo = mid; else latHi = mid;
      }
      evenBit = !evenBit;
    }
  }
  return { minLat: latLo, maxLat: latHi, minLon: lonLo, maxLon: lonHi };
}

/**
 * Precision 5 = cells of about 4.9 km × 4.9 km at the equator (narrower towards the poles):
 * the size of a neighbourhood a driver can reach in a few minutes, which is what a local
 * demand/supply ratio should describe.
 */
export const MARKET_CELL_PRECISION = 5;

/** The market cell (geohash, precision 5) a point falls in. */
export const cellOf = (lat: number, lon: number): string => geohashEncode({ lat, lon }, MARKET_CELL_PRECISION);
