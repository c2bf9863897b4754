import { describe, expect, it } from 'vitest';
import { CITY_RADIUS_M, distanceM } from './city.js';
import { cityDemand, HOTSPOTS, MIN_TRIP_M, tripAt } from './hotspots.js';
import { seededRng } from './prng.js';

const share = (hour: number, side: 'from' | 'to', name: string, n = 3_000) => {
  const rng = seededRng(`share/${hour}`);
  let hits = 0;
  for (let i = 0; i < n; i++) if (tripAt(hour, rng)[side] === name) hits += 1;
  return hits / n;
};

describe('hotspots over the day', () => {
  it('send people from home to the offices in the morning and back in the evening', () => {
    const homes = 'Prenzlauer Berg homes';
    const offices = 'Potsdamer Platz offices';
    expect(share(7.5, 'from', homes)).toBeGreaterThan(2 * share(17.5, 'from', homes));
    expect(share(8.5, 'to', offices)).toBeGreaterThan(2 * share(18, 'to', offices));
    expect(share(17.5, 'from', offices)).toBeGreaterThan(2 * share(8, 'from', offices));
  });

  it('fill the nightlife at night, not at noon', () => {
    expect(share(1, 'from', 'Friedrichshain nightlife')).toBeGreaterThan(3 * share(12, 'from', 'Friedrichshain nightlife'));
  });

  it('peak city demand in the rush hours, lowest before dawn', () => {
    expect(cityDemand(8)).toBeGreaterThan(cityDemand(11));
    expect(cityDemand(18)).toBeGreaterThan(cityDemand(15));
    expect(cityDemand(4)).toBeLessThan(cityDemand(11) / 2);
  });

  it('draw trips inside the city, long enough to ride, the same for the same seed', () => {
    const a = seededRng('trips');
    const b = seededRng('trips');
    for (let i = 0; i < 500; i++) {
      const t = tripAt(i % 24, a);
      expect(t).toEqual(tripAt(i % 24, b));
      expect(Math.hypot(t.pickup.x, t.pickup.y)).toBeLessThan(CITY_RADIUS_M);
      expect(Math.hypot(t.dropoff.x, t.dropoff.y)).toBeLessThan(CITY_RADIUS_M);
      expect(distanceM(t.pickup, t.dropoff)).toBeGreaterThanOrEqual(MIN_TRIP_M * 0.9);
    }
  });

  it('keep every hotspot inside the city', () => {
    for (const h of HOTSPOTS) expect(Math.hypot(h.at.x, h.at.y)).toBeLessThan(CITY_RADIUS_M);
  });
});
