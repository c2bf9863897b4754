/**
 * Routes on the street grid: a polyline of crossings from one place to another, moving
 * east–west and north–south in runs of a few blocks the way a driver zig-zags through a
 * grid, and where along it a car is after driving some metres.
 */
import { BLOCK_M, distanceM, snapToCrossing, type Xy } from './city.js';
import type { Rng } from './prng.js';

export interface Route {
  /** Corners, first = start, last = end; consecutive points differ in x or in y only (after the first leg). */
  points: readonly Xy[];
  /** Distance from the start to each point, metres. */
  cumulative: readonly number[];
  lengthM: number;
}

export interface Position {
  at: Xy;
  /** Degrees clockwise from north, as the location API takes it. */
  heading: number;
}

export function routeOf(points: readonly Xy[]): Route {
  const kept: Xy[] = [];
  for (const p of points) {
    const last = kept[kept.length - 1];
    if (!last || distanceM(last, p) > 0.01) kept.push(p);
  }
  const cumulative = [0];
  for (let i = 1; i < kept.length; i++) cumulative.push(cumulative[i - 1]! + distanceM(kept[i - 1]!, kept[i]!));
  return { points: kept, cumulative, lengthM: cumulative[cumulative.length - 1]! };
}

/**
 * From `from` to the nearest crossing, then in alternating runs of 1–4 blocks along the
 * streets to the crossing nearest `to`, then to `to` itself.
 */
export function streetRoute(from: Xy, to: Xy, rng: Rng): Route {
  const start = snapToCrossing(from);
  const end = snapToCrossing(to);
  const points: Xy[] = [from, start];
  let cur = start;
  let eastWest = rng.chance(0.5);
  while (cur.x !== end.x || cur.y !== end.y) {
    const gap = eastWest ? end.x - cur.x : end.y - cur.y;
    if (gap !== 0) {
      const blocks = Math.min(Math.abs(gap) / BLOCK_M, rng.int(1, 4));
      const step = Math.sign(gap) * blocks * BLOCK_M;
      cur = eastWest ? { x: cur.x + step, y: cur.y } : { x: cur.x, y: cur.y + step };
      points.push(cur);
    }
    eastWest = !eastWest;
  }
  points.push(to);
  return routeOf(points);
}

const headingOf = (a: Xy, b: Xy): number => {
  const deg = (Math.atan2(b.x - a.x, b.y - a.y) * 180) / Math.PI;
  return Math.round(((deg % 360) + 360) % 360);
};

/** Where a car is after `meters` along the route (clamped to its ends). */
export function positionAlong(route: Route, meters: number): Position {
  const { points, cumulative } = route;
  if (points.length === 1) return { at: points[0]!, heading: 0 };
  const d = Math.max(0, Math.min(route.lengthM, meters));
  let i = 1;
  while (i < points.length - 1 && cumulative[i]! < d) i++;
  const a = points[i - 1]!;
  const b = points[i]!;
  const leg = cumulative[i]! - cumulative[i - 1]!;
  const f = leg > 0 ? (d - cumulative[i - 1]!) / leg : 1;
  return { at: { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f }, heading: headingOf(a, b) };
}
