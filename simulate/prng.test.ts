import { describe, expect, it } from 'vitest';
import { seededRng } from './prng.js';

const draw = (seed: string, n = 5) => {
  const r = seededRng(seed);
  return Array.from({ length: n }, () => r.next());
};

describe('seeded streams', () => {
  it('give the same numbers for the same seed, others for another', () => {
    expect(draw('42')).toEqual(draw('42'));
    expect(draw('42')).not.toEqual(draw('43'));
  });

  it('forks by name: the same label gives the same stream, whatever the parent drew before', () => {
    const a = seededRng('7');
    const b = seededRng('7');
    b.next();
    b.next();
    expect(a.fork('driver/3').next()).toBe(b.fork('driver/3').next());
    expect(a.fork('driver/3').next()).not.toBe(a.fork('driver/4').next());
  });

  it('keeps draws in their ranges and picks by weight', () => {
    const r = seededRng('ranges');
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 5_000; i++) {
      const v = r.int(2, 4);
      expect(v).toBeGreaterThanOrEqual(2);
      expect(v).toBeLessThanOrEqual(4);
      counts[r.weighted(['a', 'b'] as const, (k) => (k === 'a' ? 3 : 1))] += 1;
    }
    expect(counts.a / counts.b).toBeGreaterThan(2.5);
    expect(counts.a / counts.b).toBeLessThan(3.5);
  });

  it('draws exponential waits with the asked mean', () => {
    const r = seededRng('exp');
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += r.exponential(10);
    expect(sum / 20_000).toBeGreaterThan(9.5);
    expect(sum / 20_000).toBeLessThan(10.5);
  });
});
