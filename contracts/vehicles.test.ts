import { describe, expect, it } from 'vitest';
import { vehicleClass, vehicleClasses } from './vehicles.js';
import { safeParseEventData } from './events.js';

describe('vehicle classes', () => {
  it('are economy, comfort and xl, in that order (the live index scripts take their geo keys in it)', () => {
    expect(vehicleClasses).toEqual(['economy', 'comfort', 'xl']);
  });

  it('the schema accepts each class and nothing else', () => {
    for (const c of vehicleClasses) expect(vehicleClass.parse(c)).toBe(c);
    expect(vehicleClass.safeParse('limousine').success).toBe(false);
    expect(vehicleClass.safeParse('Economy').success).toBe(false);
  });

  it('is what event data is checked against', () => {
    const data = (c: string) => ({ driverId: '6f1c1a52-1d3c-4f7e-9a55-0d6f3c1c2b11', userId: '0b6a2f4e-8f0e-4a7b-9c1d-2e3f4a5b6c7d', vehicleClass: c });
    expect(safeParseEventData('microride.driver.registered', data('xl')).success).toBe(true);
    expect(safeParseEventData('microride.driver.registered', data('limousine')).success).toBe(false);
  });
});
