import { describe, expect, it } from 'vitest';
import { driverProfile, riderProfile } from './population.js';

describe('the city’s people', () => {
  it('are the same for the same seed and index, others for another seed', () => {
    expect(driverProfile('s1', 3)).toEqual(driverProfile('s1', 3));
    expect(riderProfile('s1', 9)).toEqual(riderProfile('s1', 9));
    expect(driverProfile('s2', 3).email).not.toBe(driverProfile('s1', 3).email);
    expect(driverProfile('s2', 3).vehicle.plate).not.toBe(driverProfile('s1', 3).vehicle.plate);
  });

  it('have plates the platform takes (2–10 letters or digits), one per driver', () => {
    const plates = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const p = driverProfile('plates', i).vehicle.plate;
      expect(p).toMatch(/^[A-Z0-9]{2,10}$/);
      plates.add(p);
    }
    expect(plates.size).toBe(2_000);
  });

  it('are mostly economy drivers, with some comfort and xl', () => {
    const classes = Array.from({ length: 1_000 }, (_, i) => driverProfile('fleet', i).vehicle.class);
    const economy = classes.filter((c) => c === 'economy').length;
    expect(economy).toBeGreaterThan(650);
    expect(economy).toBeLessThan(850);
    expect(classes).toContain('xl');
  });
});
