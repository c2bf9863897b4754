import { describe, expect, it } from 'vitest';
import { simClock } from './clock.js';
import { cityKmh } from './world.js';

describe('the simulated clock', () => {
  it('runs speed times faster than the wall clock and wraps round midnight', () => {
    let now = 0;
    const clock = simClock(23.5, 10, () => now);
    expect(clock.label()).toBe('23:30');
    now = 360_000; // 6 real minutes = 1 simulated hour
    expect(clock.elapsed()).toBe(3_600);
    expect(clock.label()).toBe('00:30');
    expect(clock.realMs(60)).toBe(6_000);
  });

  it('drives slower in the rush hours than at night', () => {
    expect(cityKmh(8.25)).toBeLessThan(cityKmh(12));
    expect(cityKmh(2)).toBeGreaterThan(cityKmh(12));
  });
});
