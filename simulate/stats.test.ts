import { describe, expect, it } from 'vitest';
import { percentile, Stats } from './stats.js';

describe('stats', () => {
  it('take nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([], 50)).toBeNull();
  });

  it('count rides per minute over the last real minute', () => {
    let now = 0;
    const s = new Stats(() => now);
    for (let i = 0; i < 10; i++) {
      now = i * 1_000;
      s.completedOne();
    }
    now = 30_000;
    expect(s.ridesPerMinute(0)).toBe(20); // 10 in 30 s
    now = 65_000;
    expect(s.ridesPerMinute(0)).toBe(5); // those at 5–9 s are left in the last minute
  });

  it('rate matches among the requests with an outcome', () => {
    const s = new Stats();
    expect(s.matchRate()).toBeNull();
    s.count.matched = 8;
    s.count.expired = 1;
    s.count.cancelledByRiderBeforeMatch = 1;
    expect(s.matchRate()).toBe(0.8);
  });
});
