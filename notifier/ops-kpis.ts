/**
 * The operations console's KPI tiles, computed from what the ops channel reads anyway each
 * second (the live driver index, the open rides, per-minute counters, pickup waits). Pure,
 * so the definitions are testable on their own.
 */
import { OPS_WINDOW_MINUTES, type CountedKind } from './ops-record.js';

/** A position older than this: the driver's app went quiet (the live index's FRESH_MS). */
export const FRESH_MS = 30_000;

export interface Kpis {
  /** Online or on a trip, with a position younger than 30 s. */
  driversOnline: number;
  /** Online, not on a trip, fresh: who can be offered a ride now. */
  driversAvailable: number;
  openRequests: number;
  activeRides: number;
  /** Completions in the current and the previous 4 minutes. */
  completedLast5m: number;
  /** Accepted ÷ requested over the window (null without requests). */
  matchRate: number | null;
  /** Request → driver arrival, seconds, over the window (null without arrivals). */
  pickupWaitMedianSeconds: number | null;
  pickupWaitP90Seconds: number | null;
  cancellations: number;
  expired: number;
  paymentsFailed: number;
  /** Minutes the rates and counts (but completedLast5m) look back over. */
  windowMinutes: number;
}

export interface KpiInputs {
  now: number;
  drivers: readonly { status: string | null; at: number }[];
  rides: readonly { status: string }[];
  /** counts[kind][i]: events of that kind i minutes ago (0 = the current minute). */
  counts: Record<CountedKind, readonly number[]>;
  /** Pickup waits in the window, ms. */
  waitsMs: readonly number[];
}

const sum = (xs: readonly number[], n = xs.length) => xs.slice(0, n).reduce((a, b) => a + b, 0);

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

export function computeKpis(i: KpiInputs): Kpis {
  let online = 0;
  let available = 0;
  for (const d of i.drivers) {
    if (i.now - d.at > FRESH_MS) continue;
    if (d.status === 'online' || d.status === 'on_trip') online += 1;
    if (d.status === 'online') available += 1;
  }
  const openRequests = i.rides.filter((r) => r.status === 'requested').length;
  const requested = sum(i.counts.requested);
  const accepted = sum(i.counts.accepted);
  const waits = [...i.waitsMs].sort((a, b) => a - b);
  const secs = (v: number | null) => (v === null ? null : Math.round(v / 100) / 10);
  return {
    driversOnline: online,
    driversAvailable: available,
    openRequests,
    activeRides: i.rides.length - openRequests,
    completedLast5m: sum(i.counts.completed, 5),
    matchRate: requested === 0 ? null : Math.min(1, accepted / requested),
    pickupWaitMedianSeconds: secs(percentile(waits, 50)),
    pickupWaitP90Seconds: secs(percentile(waits, 90)),
    cancellations: sum(i.counts.cancelled),
    expired: sum(i.counts.expired),
    paymentsFailed: sum(i.counts.payment_failed),
    windowMinutes: OPS_WINDOW_MINUTES,
  };
}
