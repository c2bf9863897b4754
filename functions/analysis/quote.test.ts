import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { clockAt, recordingLog } from '../test-support.js';
import { HttpProblem } from '../../platform/problem.js';
import { tooManyRequests } from '../../platform/rate-limit.js';
import type { Market, NearbyDriver, NearestQuery } from '../tracking/live-index.js';
import { finalFare, tariffs } from './fares.js';
import { NO_DRIVER_ETA_SECONDS } from './price-quote.js';
import { handle, type Stores } from './quote.js';
import { verifyQuote } from './quote-token.js';
import type { SurgeState } from './surge.js';
import { pickupEtaSeconds } from './trip.js';

const NOW = Date.parse('2026-03-02T08:00:00.000Z');
const riderId = '6f1c0e0e-8d0c-4a8b-9a53-3c1f3f7a1b2c';
const pickup = { lat: 52.52, lon: 13.405 };
const dropoff = { lat: 52.52, lon: 13.4639 }; // ~4 km east

/** Demand and supply as the test sets them, a surge state map, and what was asked of each. */
function fakeStores(market: Partial<Market> = {}, nearest: NearbyDriver[] = [], saved = new Map<string, SurgeState>()) {
  const marketQueries: unknown[] = [];
  const nearestQueries: NearestQuery[] = [];
  const rateChecks: string[] = [];
  const stores: Stores = {
    checkQuoteRate: async (id) => void rateChecks.push(id),
    marketNear: async (q) => {
      marketQueries.push(q);
      return { cell: 'u33db', availableDrivers: 0, openRequests: 0, ...market };
    },
    nearestAvailable: async (q) => {
      nearestQueries.push(q);
      return nearest;
    },
    surgeState: {
      read: async (cls, cell) => saved.get(`${cls}/${cell}`) ?? null,
      write: async (cls, cell, s) => void saved.set(`${cls}/${cell}`, s),
    },
  };
  return { stores, saved, marketQueries, nearestQueries, rateChecks };
}

describe('analysis-quote handle', () => {
  beforeAll(() => provideSettings({ QUOTE_SECRET: randomBytes(32).toString('base64url') }));
  clockAt(NOW);

  it('prices a calm market at 1.0× with the default ETA, and signs exactly what it returns', async () => {
    const f = fakeStores({ availableDrivers: 2, openRequests: 1 });
    const { quoteId, ...quote } = await handle({ riderId, pickup, dropoff, vehicleClass: 'economy' }, recordingLog('debug'), f.stores);

    expect(quote.riderId).toBe(riderId);
    expect(quote.surgeMultiplier).toBe(1);
    expect(quote.pickupEtaSeconds).toBe(NO_DRIVER_ETA_SECONDS);
    expect(quote.tariff).toEqual(tariffs.economy);
    expect(quote.fare).toEqual(finalFare(tariffs.economy, 1, quote.distanceMeters, quote.durationSeconds));
    expect(quote.fare.breakdown.surgeExtra).toBe(0);
    expect(quote.expiresAt).toBe(new Date(NOW + 300_000).toISOString());
    expect(await verifyQuote(quoteId)).toEqual(quote);

    expect(f.marketQueries).toEqual([{ ...pickup, vehicleClass: 'economy', now: NOW }]);
    expect(f.nearestQueries).toEqual([{ vehicleClass: 'economy', ...pickup, radiusMeters: 10_000, limit: 1, now: NOW }]);
    expect(f.saved.get('economy/u33db')).toEqual({ value: 1, at: NOW });
    expect(f.rateChecks).toEqual([riderId]);
  });

  it('is refused by the per-rider limit before reading the market or signing anything', async () => {
    const f = fakeStores();
    f.stores.checkQuoteRate = async () => {
      throw tooManyRequests({ what: 'quotes', setting: 'QUOTE_RATE_LIMIT' }, 40_000);
    };
    const err = await handle({ riderId, pickup, dropoff, vehicleClass: 'economy' }, recordingLog('debug'), f.stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(429);
    expect((err as HttpProblem).extra).toMatchObject({ limit: 'QUOTE_RATE_LIMIT', headers: { 'retry-after': '40' } });
    expect(f.marketQueries).toEqual([]);
    expect(f.saved.size).toBe(0);
  });

  it('raises the price with open requests over available drivers, capped at 3.0×', async () => {
    // 4 requests, 1 driver: 1 + 0.5·(4 − 1) = 2.5
    const busy = fakeStores({ availableDrivers: 1, openRequests: 4 });
    const q = await handle({ riderId, pickup, dropoff, vehicleClass: 'comfort' }, recordingLog('debug'), busy.stores);
    expect(q.surgeMultiplier).toBe(2.5);
    expect(q.fare).toEqual(finalFare(tariffs.comfort, 2.5, q.distanceMeters, q.durationSeconds));
    expect(q.fare.breakdown.surgeExtra).toBeGreaterThan(0);
    expect((await verifyQuote(q.quoteId)).surgeMultiplier).toBe(2.5);

    const rush = fakeStores({ availableDrivers: 0, openRequests: 40 });
    expect((await handle({ riderId, pickup, dropoff, vehicleClass: 'xl' }, recordingLog('debug'), rush.stores)).surgeMultiplier).toBe(3);
  });

  it('smooths the surge from the cell’s last state instead of jumping', async () => {
    // One time constant after 1.0, towards 3.0: 1 + 2·(1 − e⁻¹) ≈ 2.26, shown as 2.3.
    const saved = new Map([['economy/u33db', { value: 1, at: NOW - 120_000 }]]);
    const f = fakeStores({ availableDrivers: 0, openRequests: 40 }, [], saved);
    const { log, lines } = recordingLog('debug');
    const q = await handle({ riderId, pickup, dropoff, vehicleClass: 'economy' }, { log }, f.stores);
    expect(q.surgeMultiplier).toBe(2.3);
    expect(saved.get('economy/u33db')!.value).toBeCloseTo(1 + 2 * (1 - Math.exp(-1)), 9);
    expect(saved.get('economy/u33db')!.at).toBe(NOW);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'quoted', cell: 'u33db', surgeMultiplier: 2.3 }));
  });

  it('estimates the pickup ETA from the nearest available driver', async () => {
    const f = fakeStores({ availableDrivers: 1 }, [{ driverId: 'd1', driverProfileId: 'p1', distanceMeters: 1_000 }]);
    const q = await handle({ riderId, pickup, dropoff, vehicleClass: 'xl' }, recordingLog('debug'), f.stores);
    expect(q.pickupEtaSeconds).toBe(pickupEtaSeconds(1_000));
    expect(q.pickupEtaSeconds).toBeLessThan(NO_DRIVER_ETA_SECONDS);
  });

  it('fails when the market cannot be read, and then keeps no surge state', async () => {
    const f = fakeStores();
    f.stores.marketNear = async () => {
      throw new Error('redis down');
    };
    await expect(handle({ riderId, pickup, dropoff, vehicleClass: 'economy' }, recordingLog('debug'), f.stores)).rejects.toThrow('redis down');
    expect(f.saved.size).toBe(0);
  });
});
