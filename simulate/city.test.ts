import { describe, expect, it } from 'vitest';
import { cellOf } from '../platform/geo.js';
import { CITY_CENTRE, CITY_RADIUS_M, keepInCity, toLatLon, toXy } from './city.js';
import { HOTSPOTS } from './hotspots.js';

describe('the city’s geometry', () => {
  it('turns metres into lat/lon and back', () => {
    expect(toLatLon({ x: 0, y: 0 })).toEqual(CITY_CENTRE);
    const back = toXy(toLatLon({ x: 1_234, y: -5_678 }));
    expect(back.x).toBeCloseTo(1_234, 0);
    expect(back.y).toBeCloseTo(-5_678, 0);
  });

  it('keeps points inside its edge, on a crossing', () => {
    const p = keepInCity({ x: 50_000, y: 1 });
    expect(Math.hypot(p.x, p.y)).toBeLessThan(CITY_RADIUS_M);
    expect(Math.abs(p.x % 200) + Math.abs(p.y % 200)).toBe(0);
  });

  it('puts its hotspots in different market cells, so surge can differ between them', () => {
    const cells = new Set(HOTSPOTS.map((h) => { const p = toLatLon(h.at); return cellOf(p.lat, p.lon); }));
    expect(cells.size).toBeGreaterThanOrEqual(6);
  });
});
