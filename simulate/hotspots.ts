/**
 * Where and when riders want to go: named places whose pull as an origin and as a
 * destination rises and falls over the simulated day (homes empty in the morning, offices
 * in the evening, nightlife after dark), and a city-wide demand curve with a morning and an
 * evening peak.
 */
import { distanceM, keepInCity, type Xy } from './city.js';
import type { Rng } from './prng.js';

/** A bump in a daily profile: height at `hour`, falling off over `width` hours. */
interface Peak {
  hour: number;
  width: number;
  height: number;
}

export interface Hotspot {
  name: string;
  at: Xy;
  /** How far around the place pickups and drop-offs scatter (one standard deviation), metres. */
  spreadM: number;
  base: number;
  /** Extra pull as an origin. */
  from: readonly Peak[];
  /** Extra pull as a destination. */
  to: readonly Peak[];
}

const p = (hour: number, width: number, height: number): Peak => ({ hour, width, height });

export const HOTSPOTS: readonly Hotspot[] = [
  { name: 'Mitte', at: { x: 0, y: 0 }, spreadM: 900, base: 1.2, from: [p(13, 3, 0.6), p(18, 2, 0.8)], to: [p(10, 3, 0.6), p(20, 3, 0.6)] },
  { name: 'Hauptbahnhof', at: { x: -1300, y: 1000 }, spreadM: 300, base: 0.8, from: [p(8, 2, 1), p(17, 2, 1), p(22, 2, 0.6)], to: [p(7, 2, 1), p(16, 2, 0.8)] },
  { name: 'Potsdamer Platz offices', at: { x: -1500, y: -1300 }, spreadM: 500, base: 0.3, from: [p(17.5, 1.5, 2.2)], to: [p(8.5, 1.5, 2.4)] },
  { name: 'Friedrichshain nightlife', at: { x: 3500, y: -800 }, spreadM: 700, base: 0.2, from: [p(1, 2.5, 2.5)], to: [p(22, 2, 2.2)] },
  { name: 'Kreuzberg', at: { x: 1500, y: -2500 }, spreadM: 900, base: 0.5, from: [p(8, 2, 0.8), p(0, 3, 1.2)], to: [p(19, 3, 1)] },
  { name: 'Prenzlauer Berg homes', at: { x: 1500, y: 2800 }, spreadM: 1200, base: 0.5, from: [p(7.5, 1.5, 2)], to: [p(18.5, 2, 1.8), p(2, 2, 1)] },
  { name: 'Neukölln homes', at: { x: 3000, y: -4500 }, spreadM: 1200, base: 0.4, from: [p(7, 1.5, 1.6)], to: [p(19, 2, 1.4), p(2.5, 2, 1)] },
  { name: 'Charlottenburg', at: { x: -6500, y: -700 }, spreadM: 1300, base: 0.5, from: [p(8, 2, 1)], to: [p(18, 2, 1), p(12, 3, 0.5)] },
  { name: 'Tegel business park', at: { x: -5500, y: 5500 }, spreadM: 600, base: 0.15, from: [p(17, 1.5, 1)], to: [p(8, 1.5, 1.1)] },
];

/** How far apart two hours of the day are, round the clock (23 and 1 are 2 apart). */
const hoursApart = (a: number, b: number): number => {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d);
};

const profile = (base: number, peaks: readonly Peak[], hour: number): number =>
  peaks.reduce((sum, k) => sum + k.height * Math.exp(-0.5 * (hoursApart(hour, k.hour) / k.width) ** 2), base);

export const originWeight = (h: Hotspot, hour: number): number => profile(h.base, h.from, hour);
export const destinationWeight = (h: Hotspot, hour: number): number => profile(h.base, h.to, hour);

/** Requests across the city relative to an average hour: quiet before dawn, peaks at 8 and 18. */
export const cityDemand = (hour: number): number =>
  profile(0.25, [p(8, 1.5, 1.3), p(13, 2.5, 0.6), p(18, 2, 1.5), p(23, 2, 0.7)], hour);

/** A point scattered round the place, on the street grid and inside the city. */
function near(h: Hotspot, rng: Rng): Xy {
  return keepInCity({ x: h.at.x + rng.normal() * h.spreadM, y: h.at.y + rng.normal() * h.spreadM });
}

/** Trips shorter than this are walked, not ridden. */
export const MIN_TRIP_M = 800;

export interface Trip {
  pickup: Xy;
  dropoff: Xy;
  from: string;
  to: string;
}

/** A rider's trip at this hour: an origin by the hour's origin pull, a destination by its destination pull. */
export function tripAt(hour: number, rng: Rng): Trip {
  const from = rng.weighted(HOTSPOTS, (h) => originWeight(h, hour));
  const pickup = near(from, rng);
  for (let attempt = 0; ; attempt++) {
    const to = rng.weighted(HOTSPOTS, (h) => destinationWeight(h, hour));
    const dropoff = near(to, rng);
    if (distanceM(pickup, dropoff) >= MIN_TRIP_M) return { pickup, dropoff, from: from.name, to: to.name };
    // A same-place draw: a short hop across the neighbourhood instead, after a few tries.
    if (attempt >= 5) {
      const away = keepInCity({ x: pickup.x + MIN_TRIP_M * 1.5 * Math.sign(rng.next() - 0.5 || 1), y: pickup.y + MIN_TRIP_M });
      return { pickup, dropoff: away, from: from.name, to: from.name };
    }
  }
}

/** Where an idle driver heads: towards where rides start at this hour. */
export function cruiseTarget(hour: number, rng: Rng): Xy {
  return near(rng.weighted(HOTSPOTS, (h) => originWeight(h, hour)), rng);
}
