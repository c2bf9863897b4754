/**
 * Surge pricing: a multiplier from demand (open requests) over supply (available drivers)
 * in the pickup's market cell, bounded to [1.0, 3.0] and smoothed over time so a burst of
 * requests or a driver logging off does not make prices jump from one quote to the next.
 */
import { redis, rkey } from '../../platform/clients.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import type { Market } from '../tracking/live-index.js';

export const MIN_SURGE = 1;
export const MAX_SURGE = 3;
/** How strongly excess demand raises the price: ratio 3 (three requests per driver) → 2.0×. */
const SENSITIVITY = 0.5;
/** Time constant of the smoothing: after TAU the surge has moved 63 % of the way to the new level. */
export const SURGE_TAU_SECONDS = 120;
/** Riders see steps of 0.1× (10 per unit); it also keeps the price still while the market barely moves. */
const STEPS_PER_UNIT = 10;
/** Beyond ~30 TAU old state has no weight left; let Redis drop it. */
const STATE_TTL_SECONDS = 3600;

const clamp = (v: number) => Math.min(MAX_SURGE, Math.max(MIN_SURGE, v));

/** The instantaneous multiplier of a market: 1.0 while drivers keep up with requests. */
export function rawSurge(m: Pick<Market, 'availableDrivers' | 'openRequests'>): number {
  const ratio = Math.max(0, m.openRequests) / Math.max(1, m.availableDrivers);
  return clamp(1 + SENSITIVITY * (ratio - 1));
}

export interface SurgeState {
  /** Smoothed multiplier (unrounded). */
  value: number;
  /** When it was computed, ms since epoch. */
  at: number;
}

/**
 * Exponential smoothing with a time-based weight, so the result depends on how much time
 * passed, not on how many quotes were asked in between. No history = the market as it is.
 */
export function smoothSurge(prev: SurgeState | null, raw: number, now: number): SurgeState {
  const target = clamp(raw);
  if (!prev) return { value: target, at: now };
  const dt = Math.max(0, now - prev.at) / 1000;
  const alpha = 1 - Math.exp(-dt / SURGE_TAU_SECONDS);
  return { value: clamp(prev.value + (target - prev.value) * alpha), at: Math.max(now, prev.at) };
}

/** The multiplier a rider is shown and charged: the smoothed value in steps of 0.1. */
export const presentedSurge = (smoothed: number): number => clamp(Math.round(clamp(smoothed) * STEPS_PER_UNIT) / STEPS_PER_UNIT);

const stateKey = (vehicleClass: VehicleClass, cell: string) => rkey('analysis', 'surge', vehicleClass, cell);

/** Where a cell's smoothed surge is kept between quotes: Redis, a fake in unit tests. */
export interface SurgeStateStore {
  /** The cell's last state, or null when there is none (or it is unreadable). */
  read(vehicleClass: VehicleClass, cell: string): Promise<SurgeState | null>;
  write(vehicleClass: VehicleClass, cell: string, state: SurgeState): Promise<void>;
}

export const redisSurgeState: SurgeStateStore = {
  async read(vehicleClass, cell) {
    const stored = await redis().hmget(stateKey(vehicleClass, cell), 'value', 'at');
    const prev = stored[0] && stored[1] ? { value: Number(stored[0]), at: Number(stored[1]) } : null;
    return prev && Number.isFinite(prev.value) && Number.isFinite(prev.at) ? prev : null;
  },
  async write(vehicleClass, cell, state) {
    const key = stateKey(vehicleClass, cell);
    await redis().multi().hset(key, 'value', state.value, 'at', state.at).expire(key, STATE_TTL_SECONDS).exec();
  },
};

/**
 * Advances the cell's smoothed surge with the current market and returns the presented
 * multiplier. Read-then-write without a lock: two quotes at the same instant may both
 * apply their sample and one write wins, which only drops one sample of a moving average.
 */
export async function currentSurge(vehicleClass: VehicleClass, market: Market, now = Date.now(), states: SurgeStateStore = redisSurgeState): Promise<number> {
  const prev = await states.read(vehicleClass, market.cell);
  const next = smoothSurge(prev, rawSurge(market), now);
  await states.write(vehicleClass, market.cell, next);
  return presentedSurge(next.value);
}

/**
 * The multiplier each cell was last presented at (1.0 for a cell nobody asked a quote in
 * lately): what the operations console shades the market cells with. One pipeline of
 * HMGETs; it reads the state only and never advances it.
 */
export async function presentedSurges(vehicleClass: VehicleClass, cells: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (cells.length === 0) return out;
  const pipe = redis().pipeline();
  for (const cell of cells) pipe.hmget(stateKey(vehicleClass, cell), 'value', 'at');
  const rows = (await pipe.exec()) ?? [];
  cells.forEach((cell, i) => {
    const [err, v] = rows[i] ?? [null, null];
    const value = err ? NaN : Number((v as (string | null)[] | null)?.[0] ?? NaN);
    out.set(cell, Number.isFinite(value) ? presentedSurge(value) : MIN_SURGE);
  });
  return out;
}
