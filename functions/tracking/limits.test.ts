import { describe, expect, it } from 'vitest';
import { pingWindowMs } from './limits.js';

describe('the location ping window', () => {
  it('is the interval less the jitter allowance, so a 1 s timer arriving a little early is taken', () => {
    expect(pingWindowMs({ LOCATION_MIN_INTERVAL_MS: 1000, LOCATION_INTERVAL_JITTER_MS: 150 })).toBe(850);
  });

  it('is off with the interval, and never below 1 ms when the allowance exceeds the interval', () => {
    expect(pingWindowMs({ LOCATION_MIN_INTERVAL_MS: 0, LOCATION_INTERVAL_JITTER_MS: 150 })).toBe(0);
    expect(pingWindowMs({ LOCATION_MIN_INTERVAL_MS: 100, LOCATION_INTERVAL_JITTER_MS: 150 })).toBe(1);
  });
});
