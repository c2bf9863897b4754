import { describe, it, expect } from 'vitest';
import { finalFare, tariffs, type FareBreakdown } from '../../functions/analysis/fares.js';
import { rawSurge, smoothSurge, presentedSurge, SURGE_TAU_SECONDS } from '../../functions/analysis/surge.js';
import { driveSeconds, estimateTrip, pickupEtaSeconds, ROAD_FACTOR } from '../../functions/analysis/trip.js';
import { priceQuote, NO_DRIVER_ETA_SECONDS } from '../../functions/analysis/price-quote.js';
import { cellOf, geohashBounds, geohashEncode, haversineMeters } from '../../platform/geo.js';

const sum = (b: FareBreakdown) => b.base + b.distance + b.time + b.surgeExtra + b.minimumApplied;
const berlin = { lat: 52.52, lon: 13.405 };
const potsdamerPlatz = { lat: 52.5096, lon: 13.3759 };

describe('geo', () => {
  it('computes great-circle distances', () => {
    // Paris–London is about 344 km.
    expect(haversineMeters({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 }) / 1000).toBeCloseTo(343.6, 0);
    expect(haversineMeters(berlin, berlin)).toBe(0);
  });

  it('encodes geohashes like the reference implementation and decodes their bounds', () => {
    expect(geohashEncode({ lat: 57.64911, lon: 10.40744 }, 11)).toBe('u4pruydqqvj');
    expect(cellOf(57.64911, 10.40744)).toBe('u4pru');
    const b = geohashBounds('u4pru');
    expect(57.64911).toBeGreaterThanOrEqual(b.minLat);
    expect(57.64911).toBeLessThanOrEqual(b.maxLat);
    expect(10.40744).toBeGreaterThanOrEqual(b.minLon);
    expect(10.40744).toBeLessThanOrEqual(b.maxLon);
    expect(() => geohashBounds('u4pra')).toThrow(/invalid geohash/);
  });
});

describe('fares', () => {
  it('adds base, distance and time, and the breakdown sums to the amount', () => {
    const f = finalFare(tariffs.economy, 1, 10_000, 1_200);
    expect(f.breakdown).toEqual({ base: 250, distance: 1100, time: 500, surgeExtra: 0, minimumApplied: 0 });
    expect(f.amount).toBe(1850);
    expect(f.currency).toBe('EUR');
  });

  it('applies surge on top and the class minimum as a floor', () => {
    const surged = finalFare(tariffs.comfort, 1.5, 10_000, 1_200);
    const plain = finalFare(tariffs.comfort, 1, 10_000, 1_200);
    expect(surged.breakdown.surgeExtra).toBe(Math.round(plain.amount * 0.5));
    expect(surged.amount).toBe(sum(surged.breakdown));
    const short = finalFare(tariffs.xl, 1, 300, 60);
    expect(short.amount).toBe(tariffs.xl.minimum);
    expect(short.breakdown.minimumApplied).toBeGreaterThan(0);
    expect(sum(short.breakdown)).toBe(short.amount);
  });

  it('keeps every amount in whole cents for awkward inputs', () => {
    for (const [m, s, surge] of [[1234.567, 77.7, 1.3], [1, 1, 2.9], [99_999, 7_000, 3]] as const) {
      const f = finalFare(tariffs.economy, surge, m, s);
      for (const v of [f.amount, ...Object.values(f.breakdown)]) expect(Number.isInteger(v)).toBe(true);
      expect(sum(f.breakdown)).toBe(f.amount);
    }
    expect(() => finalFare(tariffs.economy, 0.5, 1000, 60)).toThrow(RangeError);
  });
});

describe('surge', () => {
  it('is 1.0 while drivers keep up and stays within 1.0–3.0', () => {
    expect(rawSurge({ openRequests: 0, availableDrivers: 0 })).toBe(1);
    expect(rawSurge({ openRequests: 3, availableDrivers: 5 })).toBe(1);
    expect(rawSurge({ openRequests: 3, availableDrivers: 1 })).toBe(2);
    expect(rawSurge({ openRequests: 1_000, availableDrivers: 0 })).toBe(3);
    expect(rawSurge({ openRequests: -4, availableDrivers: 2 })).toBe(1);
    for (let open = 0; open < 50; open += 7) {
      for (let drivers = 0; drivers < 20; drivers += 3) {
        const s = rawSurge({ openRequests: open, availableDrivers: drivers });
        expect(s).toBeGreaterThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(3);
      }
    }
  });

  it('smooths over time instead of jumping', () => {
    const t0 = 1_700_000_000_000;
    expect(smoothSurge(null, 2.5, t0)).toEqual({ value: 2.5, at: t0 });
    const start = { value: 1, at: t0 };
    const soon = smoothSurge(start, 3, t0 + 10_000);
    expect(soon.value).toBeGreaterThan(1);
    expect(soon.value).toBeLessThan(1.3);
    const oneTau = smoothSurge(start, 3, t0 + SURGE_TAU_SECONDS * 1000);
    expect(oneTau.value).toBeCloseTo(1 + 2 * (1 - Math.exp(-1)), 6);
    expect(smoothSurge(start, 3, t0 + 3_600_000).value).toBeCloseTo(3, 3);
    // No time passed: no change, however many quotes are asked.
    expect(smoothSurge(soon, 3, soon.at).value).toBe(soon.value);
    // Time-based weights: two half steps equal one whole step.
    const half = smoothSurge(start, 3, t0 + 30_000);
    expect(smoothSurge(half, 3, t0 + 60_000).value).toBeCloseTo(smoothSurge(start, 3, t0 + 60_000).value, 9);
    // Bounded even from corrupt state.
    expect(smoothSurge({ value: 9, at: t0 }, 3, t0).value).toBe(3);
  });

  it('presents steps of 0.1 within bounds', () => {
    expect(presentedSurge(1.04)).toBe(1);
    expect(presentedSurge(1.26)).toBe(1.3);
    expect(presentedSurge(2.999)).toBe(3);
    expect(presentedSurge(0.2)).toBe(1);
    expect(presentedSurge(7)).toBe(3);
  });
});

describe('trip estimates', () => {
  it('applies the road factor and the speed bands', () => {
    const trip = estimateTrip(berlin, potsdamerPlatz);
    expect(trip.distanceMeters).toBe(Math.round(haversineMeters(berlin, potsdamerPlatz) * ROAD_FACTOR));
    expect(driveSeconds(3_000)).toBe(540); // 3 km at 20 km/h
    expect(driveSeconds(15_000)).toBe(540 + 1440); // + 12 km at 30 km/h
    expect(driveSeconds(25_000)).toBe(540 + 1440 + Math.round(10_000 / (55 / 3.6)));
    expect(driveSeconds(0)).toBe(0);
    expect(pickupEtaSeconds(1_000)).toBe(60 + driveSeconds(1_300));
  });

  it('prices a quote deterministically from the same inputs and market state', () => {
    const input = { riderId: '6f1c0e0e-8d0c-4a8b-9a53-3c1f3f7a1b2c', pickup: berlin, dropoff: potsdamerPlatz, vehicleClass: 'comfort' as const };
    const market = { surgeMultiplier: 1.4, nearestDriverMeters: 800 };
    const now = 1_700_000_000_123;
    const a = priceQuote(input, market, now);
    expect(priceQuote(input, market, now)).toEqual(a);
    expect(a.expiresAt).toBe(new Date(1_700_000_300_000).toISOString());
    expect(a.fare).toEqual(finalFare(tariffs.comfort, 1.4, a.distanceMeters, a.durationSeconds));
    expect(a.tariff).toEqual(tariffs.comfort);
    expect(a.pickupEtaSeconds).toBe(pickupEtaSeconds(800));
    expect(priceQuote(input, { surgeMultiplier: 1, nearestDriverMeters: null }, now).pickupEtaSeconds).toBe(NO_DRIVER_ETA_SECONDS);
  });
});
