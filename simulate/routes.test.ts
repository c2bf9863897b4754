import { describe, expect, it } from 'vitest';
import { BLOCK_M, distanceM, type Xy } from './city.js';
import { seededRng } from './prng.js';
import { positionAlong, streetRoute } from './routes.js';

describe('routes on the street grid', () => {
  const from: Xy = { x: 37, y: -512 };
  const to: Xy = { x: 2_950, y: 1_210 };

  it('run from the start to the end along streets, never shorter than the grid allows', () => {
    const route = streetRoute(from, to, seededRng('r1'));
    expect(route.points[0]).toEqual(from);
    expect(route.points[route.points.length - 1]).toEqual(to);
    // Between the first and the last crossing every leg follows one street (x or y fixed) and ends on a crossing.
    const inner = route.points.slice(1, -1);
    for (let i = 1; i < inner.length; i++) {
      const [a, b] = [inner[i - 1]!, inner[i]!];
      expect(a.x === b.x || a.y === b.y).toBe(true);
      expect(Math.abs(b.x % BLOCK_M)).toBe(0);
      expect(Math.abs(b.y % BLOCK_M)).toBe(0);
    }
    const manhattan = Math.abs(3_000 - 0) + Math.abs(1_200 - -600);
    expect(route.lengthM).toBeGreaterThanOrEqual(manhattan);
    expect(route.lengthM).toBeLessThan(manhattan + 2 * BLOCK_M);
  });

  it('are the same for the same seed', () => {
    expect(streetRoute(from, to, seededRng('same')).points).toEqual(streetRoute(from, to, seededRng('same')).points);
  });

  it('place a car along the way: at the ends, in between, heading along the street', () => {
    const route = streetRoute({ x: 0, y: 0 }, { x: 1_000, y: 0 }, seededRng('east'));
    expect(positionAlong(route, 0).at).toEqual({ x: 0, y: 0 });
    expect(positionAlong(route, 250)).toEqual({ at: { x: 250, y: 0 }, heading: 90 });
    expect(positionAlong(route, 5_000).at).toEqual({ x: 1_000, y: 0 });
    const north = streetRoute({ x: 0, y: 0 }, { x: 0, y: -600 }, seededRng('south'));
    expect(positionAlong(north, 100).heading).toBe(180);
  });

  it('advance monotonically: no step longer than the distance driven', () => {
    const route = streetRoute(from, to, seededRng('steps'));
    let last = positionAlong(route, 0).at;
    for (let d = 100; d <= route.lengthM; d += 100) {
      const now = positionAlong(route, d).at;
      expect(distanceM(last, now)).toBeLessThanOrEqual(100 + 1e-6);
      last = now;
    }
  });
});
