/**
 * How long location samples are kept, and the storage shape that makes keeping them cheap.
 *
 * Two modes (MONGO_TTL_MODE), because the two servers differ where it matters:
 *   index  real MongoDB: one `locations` collection, a TTL index on `at` (the server's TTL
 *          monitor deletes expired samples) and an index {rideId, at} that /track and the
 *          /distance fallback read through.
 *   trim   FerretDB 1.24: it refuses TTL indexes ("expireAfterSeconds is not implemented
 *          yet") and on its SQLite backend answers every filter but `_id` equality by
 *          decoding the whole collection (explain: "SCAN", filterPushdown false; even the
 *          `_id` lookup scans, as its index expression differs from the query's), so no
 *          index can bound a read. Samples are therefore partitioned into collections by
 *          UTC hour and ride: a ride's samples in `trace.<hour>.<shard>` (TRACE_SHARDS
 *          shards by a hash of the ride id), the samples of drivers on no ride in
 *          `locations.<hour>`. A ride's read scans only its shard of the hours it spans
 *          (bounded by an hour's traffic / TRACE_SHARDS, not by the history), and expiry
 *          drops whole collections (a table drop, however many samples), so the service
 *          trims itself without the full-scan delete a `deleteMany({at: {$lt}})` would cost.
 *          Not a collection per ride: every collection is an SQLite table, and each one
 *          created makes every pooled connection re-read a schema that grows with the
 *          tables; created at the rate rides start, under load, that cost grew without
 *          bound (docs/performance.md). Shards create TRACE_SHARDS tables an hour, whatever
 *          the ride rate. An ended ride's samples are also packed into one document
 *          (packed-trace.ts) in `packed.<end day>.<shard>`, dropped whole like the samples;
 *          the timeline goes to `timeline.<shard>` (TIMELINE_SHARDS), never dropped.
 *   auto   (default) trim when the server reports a FerretDB version (buildInfo), else index.
 */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

export const retentionSettings = settingsHandle(
  z.object({
    /** Samples older than this are removed (the TTL index, or the trim). 168 = 7 days. */
    LOCATION_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 3650).default(168),
    MONGO_TTL_MODE: z.enum(['auto', 'index', 'trim']).default('auto'),
  }),
);

export type StorageMode = 'index' | 'trim';

const HOUR_MS = 3_600_000;

/** The mode for a server: MONGO_TTL_MODE, or for `auto` what the server's buildInfo says. */
export function resolveMode(setting: 'auto' | StorageMode, buildInfo: { ferretdbVersion?: unknown }): StorageMode {
  if (setting !== 'auto') return setting;
  return typeof buildInfo.ferretdbVersion === 'string' ? 'trim' : 'index';
}

/** `YYYYMMDDHH` of the UTC hour that holds `at`. */
export function hourKey(at: Date): string {
  return at.toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/** The start of the UTC hour named by `key`. */
function hourStart(key: string): number {
  return Date.UTC(+key.slice(0, 4), +key.slice(4, 6) - 1, +key.slice(6, 8), +key.slice(8, 10));
}

/**
 * Shards of a ride hour. A constant, not a setting: a reader must find the partitions the
 * writer chose, also for samples written before a change.
 */
export const TRACE_SHARDS = 32;

/** FNV-1a of a ride id: the same shard for a ride whoever writes or reads it. */
function rideHash(rideId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < rideId.length; i++) h = Math.imul(h ^ rideId.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The shard of a ride's samples and packed trace: two digits. */
export function traceShard(rideId: string): string {
  return String(rideHash(rideId) % TRACE_SHARDS).padStart(2, '0');
}

/**
 * Shards of the timeline (`timeline.<shard>`, trim mode). The timeline has no retention
 * (it is the ride's record, read by /track and the /distance fallback at any age), so no
 * time goes into its partitions and a shard holds all events ever / TIMELINE_SHARDS; a
 * ride's read scans its shard only (~34 events at 35,000: 1024 read the timeline in ~30 %
 * less time than 256 at the median, docs/performance.md). A constant, for the reason
 * TRACE_SHARDS is; each table is created once, with the first event of a ride in its shard.
 */
export const TIMELINE_SHARDS = 1024;

/** The timeline partition of a ride (trim mode). */
export function timelinePartition(rideId: string): string {
  return `timeline.${String(rideHash(rideId) % TIMELINE_SHARDS).padStart(4, '0')}`;
}

/** `YYYYMMDD` of the UTC day that holds `at`. */
export function dayKey(at: Date): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * Where an ended ride's packed trace goes (trim mode): by the UTC day of the ride's end and
 * its shard, so a partition holds a day's ended rides / TRACE_SHARDS (~26 at 35 rides an
 * hour) and is dropped whole, as the samples are, once the day is past the window.
 */
export function packedPartition(rideId: string, endedAt: Date): string {
  return `packed.${dayKey(endedAt)}.${traceShard(rideId)}`;
}

/** Where a sample goes in trim mode. */
export function partitionOf(sample: { rideId: string | null; at: Date }): string {
  const hour = hourKey(sample.at);
  return sample.rideId ? `trace.${hour}.${traceShard(sample.rideId)}` : `locations.${hour}`;
}

/** The collections that may hold a ride's samples taken in [from, to], oldest first. */
export function rideTracePartitions(rideId: string, from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let h = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; h <= to.getTime(); h += HOUR_MS) {
    out.push(`trace.${hourKey(new Date(h))}.${traceShard(rideId)}`);
  }
  return out;
}

const PARTITION = /^(?:trace|locations)\.(\d{10})(?:\.|$)/;
const PACKED_PARTITION = /^packed\.(\d{8})\.\d+$/;

/**
 * The partitions among `names` whose every sample is older than the retention window at
 * `now`: the hour (the day, for packed traces) has ended at least `retentionHours` ago. A
 * sample thus lives between `retentionHours` and `retentionHours` + 1 h; a packed copy of
 * it up to a day more, and reads never return it past the window (retainedSince). Other
 * collections (the timeline's among them) are never named.
 */
export function expiredPartitions(names: readonly string[], now: Date, retentionHours: number): string[] {
  const cutoff = now.getTime() - retentionHours * HOUR_MS;
  return names.filter((n) => {
    const m = PARTITION.exec(n);
    if (m) return hourStart(m[1]!) + HOUR_MS <= cutoff;
    const d = PACKED_PARTITION.exec(n);
    return d !== null && hourStart(`${d[1]!}00`) + 24 * HOUR_MS <= cutoff;
  });
}

/** The earliest instant a read needs to look at: older samples are gone (or about to be). */
export function retainedSince(now: Date, retentionHours: number): Date {
  return new Date(now.getTime() - (retentionHours + 1) * HOUR_MS);
}

/** Minimum time between two trims by one process: partitions expire by the hour. */
export const TRIM_INTERVAL_MS = 5 * 60_000;

/**
 * A gate that says yes at most once per `intervalMs` (per process): the writer asks it on
 * every sample and trims only when it says yes, so trimming costs the hot path nothing but
 * a comparison.
 */
export function trimGate(intervalMs = TRIM_INTERVAL_MS): (now: number) => boolean {
  let last = -Infinity;
  return (now) => {
    if (now - last < intervalMs) return false;
    last = now;
    return true;
  };
}
