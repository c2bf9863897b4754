/** What every simulated agent shares: the API, the clock, the counters and the run's state. */
import type { Api } from './api.js';
import type { SimClock } from './clock.js';
import type { Curbside } from './curbside.js';
import type { Stats } from './stats.js';

export interface World {
  api: Api;
  wsUrl: string;
  clock: SimClock;
  stats: Stats;
  curbside: Curbside;
  /** Real seconds between a driver's location pings (the platform refuses more than one a second). */
  pingSeconds: number;
  /** Riders make no new requests once the run is winding down. */
  stopping: boolean;
  /** Unique per run: idempotency keys of one run never meet another run's. */
  runId: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** City traffic: slow in the rush hours, quick at night (km/h). */
export function cityKmh(hour: number): number {
  const rush = Math.exp(-0.5 * ((hour - 8.25) / 1.2) ** 2) + Math.exp(-0.5 * ((hour - 17.75) / 1.5) ** 2);
  const night = hour < 5 || hour >= 22 ? 1 : 0;
  return Math.round((26 - 9 * Math.min(1, rush) + 8 * night) * 10) / 10;
}
