/**
 * An ended ride's trace as one MongoDB document (trim mode, FerretDB): /track of an ended
 * ride then converts one document instead of one per sample, FerretDB's dominant cost
 * (docs/performance.md, "track-scale": 200 documents cost 6–14× one packed document).
 *
 * Written when the ride's end is applied (ride-log.ts), from the ride's Redis trace
 * (trip-trace.ts), which holds every sample tagged with the ride, heading and speed
 * included, so ending a ride reads nothing from MongoDB. _id = the ride id: a redelivered
 * end event finds it there ('duplicate'). Not written when the Redis trace cannot stand
 * for the samples (older entries without heading and speed, the cap reached, empty) or the
 * end event comes too late for the live state; /track then reads the hourly partitions, as
 * it does for a ride whose end has not been applied yet (or whose packing failed: the
 * event is redelivered). A ping that read the ride's pointer before the end was applied
 * and appends after the packing is in the partitions but not in the packed trace.
 */
import { redis } from '../../platform/clients.js';
import { rideKey, traceKey } from './ride-state.js';
import { fullTrace, type TraceSample } from './trip-trace.js';
import { insertPackedTrace, packedTraceOf, samplesOfRide, storageMode } from './store.js';
import type { InsertOutcome } from './batched-insert.js';
import { retainedSince, retentionSettings } from './retention.js';

type Packed = [atMs: number, lat: number, lon: number, heading: number | null, speedKmh: number | null];

/** JSON of one array per sample: numbers round-trip exactly, and one string is one field for FerretDB to convert. */
export function encodeTrace(samples: readonly TraceSample[]): string {
  return JSON.stringify(samples.map((s): Packed => [s.at.getTime(), s.lat, s.lon, s.heading, s.speedKmh]));
}

export function decodeTrace(packed: string): TraceSample[] {
  return (JSON.parse(packed) as Packed[]).map(([at, lat, lon, heading, speedKmh]) => ({ at: new Date(at), lat, lon, heading, speedKmh }));
}

/** Packs the ride's Redis trace into its packed document, once the ride has ended; see above for 'skipped'. */
export async function packTrace(rideId: string): Promise<InsertOutcome | 'skipped'> {
  if ((await storageMode()) !== 'trim') return 'skipped';
  const results = await redis().pipeline().hget(rideKey(rideId), 'endedAt').lrange(traceKey(rideId), 0, -1).exec();
  const failed = results?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
  const endedAt = results?.[0]?.[1] as string | null | undefined;
  const samples = fullTrace((results?.[1]?.[1] as string[] | undefined) ?? []);
  if (!endedAt || !samples || samples.length === 0) return 'skipped';
  return insertPackedTrace({ _id: rideId, endedAt: new Date(Number(endedAt)), trace: encodeTrace(samples) });
}

/**
 * A ride's samples taken in [from, to], oldest first, as /track returns them: from its
 * packed trace when the ride has ended (`endedAt`) and one was written, else from the
 * samples (samplesOfRide: the {rideId, at} index on MongoDB, the hourly partitions on
 * FerretDB). Samples older than the retention window are left out either way.
 */
export async function traceOfRide(rideId: string, from: Date, to: Date, endedAt?: Date, limit = 20_000, now = new Date()): Promise<TraceSample[]> {
  const packed = endedAt && (await storageMode()) === 'trim' ? await packedTraceOf(rideId, endedAt) : null;
  if (!packed) return samplesOfRide(rideId, from, to, limit, now);
  const since = retainedSince(now, retentionSettings().LOCATION_RETENTION_HOURS);
  const lo = Math.max(from.getTime(), since.getTime());
  return decodeTrace(packed.trace)
    .filter((s) => s.at.getTime() >= lo && s.at <= to)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .slice(0, limit);
}
