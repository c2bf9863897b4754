/**
 * A ride's position samples in Redis (tracking:ride:<rideId>:trace), appended while the
 * driver is on it, so the distance asked at every completion needs no MongoDB query, and
 * the ride's packed trace (packed-trace.ts) is written at its end without reading the
 * samples back from MongoDB. Each entry is "atMs lat lon heading speedKmh" (JavaScript
 * number text, so it parses back to the very same doubles that went into MongoDB's
 * samples; "-" for a missing heading or speed). Entries written before heading and speed
 * were kept are "atMs lat lon". Arrival order is not time order when two requests race,
 * so readers sort.
 */
import { redis } from '../../platform/clients.js';
import { RIDE_STATE_TTL_SECONDS, traceKey } from './ride-state.js';
import type { Sample } from './odometer.js';

/**
 * At most this many samples per ride, the newest kept. A trip is far shorter (one sample
 * every few seconds for an hour is ~1,000); the cap bounds a runaway ride whose end never
 * arrives (its pointer lives 12 h: ~21,600 samples at one per 2 s) to ~1 MB.
 */
export const TRACE_CAP = 20_000;

/** A sample as /track returns it: what a packed trace keeps. */
export interface TraceSample extends Sample {
  heading: number | null;
  speedKmh: number | null;
}

const field = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : String(v));

/** Appends a sample to the ride's trace: one round trip (append, cap, renew the TTL). */
export async function appendTrace(rideId: string, s: Sample & { heading?: number | null; speedKmh?: number | null }): Promise<void> {
  const key = traceKey(rideId);
  const results = await redis()
    .pipeline()
    .rpush(key, `${s.at.getTime()} ${s.lat} ${s.lon} ${field(s.heading)} ${field(s.speedKmh)}`)
    .ltrim(key, -TRACE_CAP, -1)
    .expire(key, RIDE_STATE_TTL_SECONDS)
    .exec();
  const failed = results?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

/** The ride's samples in [from, to], oldest first. */
export async function traceBetween(rideId: string, from: Date, to: Date): Promise<Sample[]> {
  const raw = await redis().lrange(traceKey(rideId), 0, -1);
  const lo = from.getTime();
  const hi = to.getTime();
  const out: Sample[] = [];
  for (const entry of raw) {
    const [at, lat, lon] = entry.split(' ').map(Number);
    if (at === undefined || lat === undefined || lon === undefined || !(at >= lo && at <= hi)) continue;
    out.push({ at: new Date(at), lat, lon });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** One entry with heading and speed; null for an entry in the older three-field form. */
function parseFull(entry: string): TraceSample | null {
  const f = entry.split(' ');
  if (f.length !== 5) return null;
  const num = (v: string): number | null => (v === '-' ? null : Number(v));
  return { at: new Date(Number(f[0])), lat: Number(f[1]), lon: Number(f[2]), heading: num(f[3]!), speedKmh: num(f[4]!) };
}

/**
 * Every sample of the ride's trace with heading and speed, in arrival order; null when the
 * trace cannot stand for the ride's samples: an entry in the older form (no heading or
 * speed), or the cap reached (the oldest samples are gone).
 */
export function fullTrace(raw: readonly string[]): TraceSample[] | null {
  if (raw.length >= TRACE_CAP) return null;
  const out: TraceSample[] = [];
  for (const entry of raw) {
    const s = parseFull(entry);
    if (!s) return null;
    out.push(s);
  }
  return out;
}
