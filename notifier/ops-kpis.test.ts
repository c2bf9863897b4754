import { describe, expect, it } from 'vitest';
import { computeKpis, percentile } from './ops-kpis.js';

const zeros = () => Array.from({ length: 15 }, () => 0);
const counts = (over: Partial<Record<'requested' | 'accepted' | 'completed' | 'cancelled' | 'expired' | 'payment_failed', number[]>>) => ({
  requested: zeros(), accepted: zeros(), completed: zeros(), cancelled: zeros(), expired: zeros(), payment_failed: zeros(), ...over,
});

describe('ops KPIs', () => {
  const now = 1_000_000_000;
  it('counts online drivers by fresh position only, and available ones apart', () => {
    const k = computeKpis({
      now,
      drivers: [
        { status: 'online', at: now - 1000 },
        { status: 'on_trip', at: now - 5000 },
        { status: 'online', at: now - 31_000 }, // quiet app: not online for the console
        { status: 'offline', at: now },
      ],
      rides: [],
      counts: counts({}),
      waitsMs: [],
    });
    expect(k).toMatchObject({ driversOnline: 2, driversAvailable: 1 });
  });

  it('splits rides into open requests and active ones; completions over 5 minutes only', () => {
    const completed = zeros();
    completed[0] = 2;
    completed[4] = 1;
    completed[5] = 7; // six minutes ago: outside
    const k = computeKpis({ now, drivers: [], rides: [{ status: 'requested' }, { status: 'accepted' }, { status: 'in_progress' }], counts: counts({ completed }), waitsMs: [] });
    expect(k).toMatchObject({ openRequests: 1, activeRides: 2, completedLast5m: 3 });
  });

  it('match rate is accepted over requested (none without requests); waits as p50 and p90', () => {
    const requested = zeros();
    requested[1] = 4;
    const accepted = zeros();
    accepted[0] = 3;
    const k = computeKpis({ now, drivers: [], rides: [], counts: counts({ requested, accepted }), waitsMs: [60_000, 120_000, 90_000, 300_000] });
    expect(k.matchRate).toBe(0.75);
    expect(k.pickupWaitMedianSeconds).toBe(90);
    expect(k.pickupWaitP90Seconds).toBe(300);
    expect(computeKpis({ now, drivers: [], rides: [], counts: counts({}), waitsMs: [] }).matchRate).toBeNull();
  });

  it('nearest-rank percentile', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([5], 90)).toBe(5);
  });
});
