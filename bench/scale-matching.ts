/**
 * The scale family's matching curve: ride.requested → offer decided (the matching-request
 * handler called as a function, real Redis) with N online drivers in a city of 20 km radius
 * and a given number of them within the first search radius (by default 1k → 10,
 * 10k → 100, 50k → 1,000: a centre that gets denser as the fleet grows). Only the hand-over to rides (an HTTP call to
 * rides-offers) is replaced: the measured time ends when the round is decided.
 *
 * Drivers are seeded through the live index's own writers (setDriverStatus,
 * recordPosition), their positions stamped 15 minutes ahead so they stay fresh for the
 * whole measurement without the position pings a real fleet sends (those are measured by
 * live-position, not here). Each size runs under its own Redis key prefix, removed after.
 */
import { randomUUID } from 'node:crypto';
import { redis } from '../platform/clients.js';
import { provideSettings } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { setDriverStatus, recordPosition } from '../functions/tracking/live-index.js';
import { handle as requestRide, type Stores } from '../functions/matching/request.js';
import { roundStores } from '../functions/matching/round.js';
import { openRide } from '../functions/matching/state.js';
import { adjustOpenRequests } from '../functions/tracking/live-index.js';
import { median, percentile } from './lib.js';

const CENTRE = { lat: 45.4642, lon: 9.19 };
const CITY_M = 20_000;
const FIRST_RADIUS_M = 2_000;
const M_PER_DEG_LAT = 111_320;
const AHEAD_MS = 15 * 60_000;

export interface MatchingPoint {
  drivers: number;
  nearby: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  seedSeconds: number;
  offeredPerRound: number;
  /** Reference, same process and moment: one Redis PING round trip. */
  refPingP99Ms: number;
}

/** A point at `r` metres from the centre in direction `a` (radians). */
function offset(r: number, a: number): { lat: number; lon: number } {
  const dLat = (r * Math.cos(a)) / M_PER_DEG_LAT;
  const dLon = (r * Math.sin(a)) / (M_PER_DEG_LAT * Math.cos((CENTRE.lat * Math.PI) / 180));
  return { lat: CENTRE.lat + dLat, lon: CENTRE.lon + dLon };
}

/** Uniform over the disc (or ring) between `r0` and `r1`. */
function uniformIn(r0: number, r1: number): { lat: number; lon: number } {
  const r = Math.sqrt(r0 * r0 + Math.random() * (r1 * r1 - r0 * r0));
  return offset(r, Math.random() * 2 * Math.PI);
}

async function seed(drivers: number, nearby: number): Promise<void> {
  const at = Date.now() + AHEAD_MS;
  const batch = 500;
  for (let i = 0; i < drivers; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, drivers - i) }, async (_, j) => {
        const n = i + j;
        const driverId = randomUUID();
        // Pickups fall within 200 m of the centre: the inner ring stays inside the first radius of every one.
        const p = n < nearby ? uniformIn(0, FIRST_RADIUS_M - 200) : uniformIn(FIRST_RADIUS_M + 200, CITY_M);
        await setDriverStatus({ driverId, driverProfileId: randomUUID(), vehicleClass: 'economy', status: 'online' });
        await recordPosition(driverId, { ...p, at });
      }),
    );
  }
}

/** One size: seed, warm up, then `requests` rides requested one after another. */
export async function matchingAt(drivers: number, nearby: number, requests: number): Promise<MatchingPoint> {
  const prefix = `benchscale${randomUUID().slice(0, 8)}:`;
  provideSettings({ REDIS_PREFIX: prefix, LOG_LEVEL: 'warn' });
  try {
    const t0 = performance.now();
    await seed(drivers, nearby);
    const seedSeconds = (performance.now() - t0) / 1000;
    let offered = 0;
    const stores: Stores = {
      ...roundStores,
      openRide,
      adjustOpenRequests,
      announceRound: async (_spec, decision) => {
        offered += decision.driverIds.length;
      },
    };
    const ctx = { log: logger() };
    const one = async () => {
      const p = uniformIn(0, 200);
      await requestRide(
        {
          rideId: randomUUID(), riderId: randomUUID(), vehicleClass: 'economy', pickup: p, dropoff: offset(5_000, 1),
          fare: { amount: 1200, currency: 'EUR' }, requestedAt: new Date().toISOString(),
        },
        ctx,
        stores,
      );
    };
    for (let i = 0; i < 50; i++) await one();
    offered = 0;
    const ms: number[] = [];
    const ping: number[] = [];
    // Interleaved with the requests, so both see the same moments of a shared machine.
    for (let i = 0; i < requests; i++) {
      const s = performance.now();
      await one();
      const e = performance.now();
      ms.push(e - s);
      await redis().ping();
      ping.push(performance.now() - e);
    }
    return { drivers, nearby, requests, p50Ms: round(median(ms)), p99Ms: round(percentile(ms, 99)), seedSeconds: round(seedSeconds), offeredPerRound: round(offered / requests), refPingP99Ms: round(percentile(ping, 99)) };
  } finally {
    await dropPrefix(prefix);
  }
}

/** Deletes every key under the prefix (SCAN + UNLINK, in batches). */
export async function dropPrefix(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis().unlink(...keys);
  } while (cursor !== '0');
}

const round = (v: number) => Math.round(v * 100) / 100;
