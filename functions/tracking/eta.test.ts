import { describe, expect, it } from 'vitest';
import { derivedSpeedKmh, effectiveSpeedKmh, estimate, type EtaModel } from './eta.js';

const model: EtaModel = { citySpeedKmh: 25, detourFactor: 1.3, recentWeight: 0.5, boundFactor: 1.6 };
/** 1 km due north of `base` (a degree of latitude is ~111.2 km on the mean sphere). */
const base = { lat: 52.5, lon: 13.4 };
const north = (m: number) => ({ lat: base.lat + m / 111_195, lon: base.lon });

describe('eta', () => {
  it('is the straight line × the detour factor, at the city speed when nothing recent is known', () => {
    const e = estimate(north(1_000), base, null, model);
    expect(e.distanceMeters).toBeGreaterThanOrEqual(1_299);
    expect(e.distanceMeters).toBeLessThanOrEqual(1_301);
    // 1,300 m at 25 km/h (6.94 m/s) = 187 s
    expect(e.etaSeconds).toBeGreaterThanOrEqual(186);
    expect(e.etaSeconds).toBeLessThanOrEqual(188);
  });

  it('blends the recent speed with the city speed', () => {
    expect(effectiveSpeedKmh(35, model)).toBe(30); // 0.5 × 35 + 0.5 × 25
    expect(effectiveSpeedKmh(20, model)).toBe(22.5);
    expect(effectiveSpeedKmh(20, { ...model, recentWeight: 0 })).toBe(25);
    expect(effectiveSpeedKmh(20, { ...model, recentWeight: 1 })).toBe(20);
    // faster recently → shorter ETA for the same distance
    expect(estimate(north(1_000), base, 35, model).etaSeconds).toBeLessThan(estimate(north(1_000), base, null, model).etaSeconds);
  });

  it('bounds the speed: standing still or racing moves the ETA by at most the bound factor', () => {
    expect(effectiveSpeedKmh(0, model)).toBeCloseTo(25 / 1.6, 10);
    expect(effectiveSpeedKmh(300, model)).toBeCloseTo(25 * 1.6, 10);
    expect(effectiveSpeedKmh(-3, model)).toBe(25);
    expect(effectiveSpeedKmh(Number.NaN, model)).toBe(25);
    const still = estimate(north(1_000), base, 0, model).etaSeconds;
    expect(still).toBeLessThanOrEqual(Math.round(187 * 1.6) + 1);
    expect(Number.isFinite(still)).toBe(true);
  });

  it('falls as the driver approaches, at a steady speed', () => {
    const etas = [3_000, 2_000, 1_000, 500, 100, 0].map((m) => estimate(north(m), base, 30, model).etaSeconds);
    for (let i = 1; i < etas.length; i++) expect(etas[i]!).toBeLessThan(etas[i - 1]!);
    expect(etas.at(-1)).toBe(0);
  });

  it('derives a speed from two fixes only over a span that says something about now', () => {
    const t = new Date('2026-12-03T10:00:00Z');
    const at = (ms: number) => new Date(t.getTime() + ms);
    // 100 m in 10 s = 36 km/h
    expect(derivedSpeedKmh({ ...base, at: t }, { ...north(100), at: at(10_000) })).toBeCloseTo(36, 0);
    expect(derivedSpeedKmh({ ...base, at: t }, { ...north(100), at: at(100) })).toBeNull(); // GPS jitter
    expect(derivedSpeedKmh({ ...base, at: t }, { ...north(100), at: at(120_000) })).toBeNull(); // history
    expect(derivedSpeedKmh({ ...base, at: t }, { ...north(100), at: at(-5_000) })).toBeNull(); // out of order
  });
});
