import { describe, it, expect } from 'vitest';
import { drivenDistance, type Sample } from '../../functions/tracking/odometer.js';
import { haversineMeters } from '../../platform/geo.js';

const t0 = Date.UTC(2025, 0, 1, 12);
/** A drive due north at ~36 km/h: one sample every 10 s, 100 m apart. */
const northwards = (n: number, from = { lat: 52.5, lon: 13.4 }): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ lat: from.lat + (i * 100) / 111_195, lon: from.lon, at: new Date(t0 + i * 10_000) }));

describe('driven distance', () => {
  it('sums the legs between samples', () => {
    const s = northwards(11);
    const odo = drivenDistance(s);
    expect(odo.used).toBe(11);
    expect(odo.meters).toBeGreaterThanOrEqual(999);
    expect(odo.meters).toBeLessThanOrEqual(1001);
    expect(drivenDistance([])).toEqual({ meters: 0, used: 0 });
    expect(drivenDistance(s.slice(0, 1))).toEqual({ meters: 0, used: 1 });
  });

  it('ignores a GPS jump faster than 200 km/h', () => {
    const s = northwards(11);
    const jumped = [...s.slice(0, 5), { lat: 48.1, lon: 11.5, at: new Date(t0 + 45_000) }, ...s.slice(5)];
    const odo = drivenDistance(jumped);
    expect(odo.used).toBe(11);
    expect(odo.meters).toBe(drivenDistance(s).meters);
  });

  it('recovers when the first fix was the bad one', () => {
    const s = northwards(11);
    const badStart = [{ lat: 40, lon: -3.7, at: new Date(t0 - 10_000) }, ...s];
    const odo = drivenDistance(badStart);
    expect(odo.meters).toBe(drivenDistance(s).meters);
  });

  it('counts a fast but plausible motorway leg', () => {
    const a = { lat: 52.5, lon: 13.4, at: new Date(t0) };
    const b = { lat: 52.5 + 0.05, lon: 13.4, at: new Date(t0 + 120_000) }; // ~5.6 km in 2 min ≈ 167 km/h
    expect(drivenDistance([a, b]).meters).toBe(Math.round(haversineMeters(a, b)));
  });
});
