import { describe, expect, it } from 'vitest';
import { finalFare } from '../analysis/fares.js';
import { settleFare } from './pricing.js';

// economy-like tariff; the quote: 4 km, 10 min, 250 + 480 + 300 = 1030 cents.
const tariff = { base: 250, perKm: 120, perMinute: 30, minimum: 600 };
const quote = { tariff, surgeMultiplier: 1, distanceMeters: 4_000, durationSeconds: 600 };
const quoted = finalFare(tariff, 1, 4_000, 600).amount;
const rules = { deviationPct: 25, capMultiplier: 1.5 };

describe('settleFare (upfront pricing)', () => {
  it('charges the quote, with the quote’s distance, when tracking measured nothing', () => {
    expect(settleFare(quote, quoted, null, rules)).toEqual({
      amount: quoted,
      basis: 'quoted',
      reason: 'no measurement from tracking; the quote stands',
      distanceMeters: 4_000,
      durationSeconds: 600,
    });
  });

  it('charges exactly the quote when distance and duration are within the threshold, either way, recording what was driven', () => {
    for (const m of [
      { distanceMeters: 4_900, durationSeconds: 700 },
      { distanceMeters: 3_100, durationSeconds: 460 },
      { distanceMeters: 5_000, durationSeconds: 750 }, // exactly 25 %: still within
    ]) {
      expect(settleFare(quote, quoted, m, rules), JSON.stringify(m)).toEqual({
        amount: quoted,
        basis: 'quoted',
        reason: 'distance and duration within 25 % of the quote',
        ...m,
      });
    }
  });

  it('reprices from the measurement when the distance is beyond the threshold, saying by how much', () => {
    const m = { distanceMeters: 5_520, durationSeconds: 660 };
    expect(settleFare(quote, quoted, m, rules)).toEqual({
      amount: finalFare(tariff, 1, 5_520, 660).amount,
      basis: 'measured',
      reason: 'distance 38 % over the quote',
      ...m,
    });
  });

  it('reprices when only the duration deviates (a long jam), and names both when both do', () => {
    expect(settleFare(quote, quoted, { distanceMeters: 4_000, durationSeconds: 900 }, rules)).toMatchObject({
      amount: finalFare(tariff, 1, 4_000, 900).amount,
      basis: 'measured',
      reason: 'duration 50 % over the quote',
    });
    expect(settleFare(quote, quoted, { distanceMeters: 5_200, durationSeconds: 900 }, rules).reason).toBe('distance 30 % over the quote, duration 50 % over the quote');
  });

  it('caps a repriced fare at FARE_CAP_MULTIPLIER × the quote: a 5× distance pays 1.5× the quote', () => {
    const m = { distanceMeters: 20_000, durationSeconds: 600 };
    expect(finalFare(tariff, 1, 20_000, 600).amount).toBeGreaterThan(1.5 * quoted);
    expect(settleFare(quote, quoted, m, rules)).toEqual({
      amount: Math.round(1.5 * quoted),
      basis: 'measured',
      reason: 'distance 400 % over the quote; capped at 1.5 × the quote',
      ...m,
    });
    expect(settleFare(quote, quoted, m, { deviationPct: 25, capMultiplier: 2 }).amount).toBe(2 * quoted);
  });

  it('lets a much shorter trip pay the measured fare, never below the class minimum', () => {
    const short = settleFare(quote, quoted, { distanceMeters: 2_000, durationSeconds: 300 }, rules);
    expect(short).toMatchObject({ amount: finalFare(tariff, 1, 2_000, 300).amount, basis: 'measured', reason: 'distance 50 % under the quote, duration 50 % under the quote' });
    expect(short.amount).toBeLessThan(quoted);
    const tiny = settleFare(quote, quoted, { distanceMeters: 50, durationSeconds: 10 }, rules);
    expect(tiny.amount).toBe(tariff.minimum);
  });

  it('applies the quote’s surge to a repriced fare, and treats a zero quoted distance as fully deviated', () => {
    const surged = { ...quote, surgeMultiplier: 1.4 };
    const q = finalFare(tariff, 1.4, 4_000, 600).amount;
    expect(settleFare(surged, q, { distanceMeters: 5_600, durationSeconds: 600 }, rules).amount).toBe(finalFare(tariff, 1.4, 5_600, 600).amount);
    expect(settleFare({ ...quote, distanceMeters: 0 }, quoted, { distanceMeters: 100, durationSeconds: 600 }, rules)).toMatchObject({
      basis: 'measured',
      reason: 'distance over a zero quote',
    });
  });
});
