/**
 * A ride's position samples in Redis (tracking:ride:<rideId>:trace), appended while the
 * driver is on it, so the distance asked at every completion needs no MongoDB query.
 * Each entry is "atMs lat lon" (JavaScript number text, so it parses back to the very same
 * doubles that went into MongoDB's `locations`). Arrival order is not time order when two
 * requests race, so readers sort.
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

/** Appends a sample to the ride's trace: one round trip (append, cap, renew the TTL). */
export async function appendTrace(rideId: string, s: Sample): Promise<void> {
  const key = traceKey(rideId);
  const results = await redis()
    .pipeline()
    .rpush(key, `${s.at.getTime()} ${s.lat} ${s.lon}`)
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
