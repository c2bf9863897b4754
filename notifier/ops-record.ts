/**
 * The operations console's read model, kept by the notifier from the ride and payment
 * events it already receives (no extra Trigger, no extra broker traffic): one Lua call per
 * stored event, after the user streams were written.
 *
 *   ops:rides              hash   rideId → JSON {status, rank, pickup, dropoff, driverId, requestedAt}
 *                                 of every ride not yet ended (the map's lines, open requests)
 *   ops:ended              zset   rideId → when it ended: a late "accepted" after "completed"
 *                                 (delivery is unordered) cannot bring a ride back
 *   ops:count:<kind>:<min> int    events of a kind per minute (KPIs over the last minutes)
 *   ops:waits              zset   "<rideId>:<ms>" → arrival time: pickup waits (request → arrival)
 *   ops:feed               stream the recent events, for the console's live feed
 *
 * Duplicates never reach it: the caller records only events the user-stream script did not
 * drop as seen. A failure here loses a line on the console, never a user's notification.
 */
import type { Redis } from 'ioredis';
import { rkey } from '../platform/clients.js';
import { lua, runScript } from '../platform/redis-script.js';

/** Kinds counted per minute; the console's KPIs are sums of these. */
export const COUNTED = {
  'microride.ride.requested': 'requested',
  'microride.ride.accepted': 'accepted',
  'microride.ride.completed': 'completed',
  'microride.ride.cancelled': 'cancelled',
  'microride.ride.expired': 'expired',
  'microride.payment.failed': 'payment_failed',
} as const satisfies Record<string, string>;
export type CountedKind = (typeof COUNTED)[keyof typeof COUNTED];

/** How far back the console looks (KPI windows); counters and waits outlive it a little. */
export const OPS_WINDOW_MINUTES = 15;
const COUNTER_TTL_SECONDS = (OPS_WINDOW_MINUTES + 5) * 60;
const ENDED_KEEP_MS = 2 * 3600_000;
const FEED_MAXLEN = 500;

export const opsKeys = {
  rides: () => rkey('ops', 'rides'),
  ended: () => rkey('ops', 'ended'),
  waits: () => rkey('ops', 'waits'),
  feed: () => rkey('ops', 'feed'),
  count: (kind: CountedKind, minute: number) => rkey('ops', 'count', kind, minute),
};

/** The ride's progress, so an older event arriving late cannot move it back. */
const RANK: Record<string, { status: string; rank: number } | 'end'> = {
  'microride.ride.requested': { status: 'requested', rank: 1 },
  'microride.ride.offered': { status: 'requested', rank: 1 },
  'microride.ride.accepted': { status: 'accepted', rank: 2 },
  'microride.ride.driver_arrived': { status: 'arrived', rank: 3 },
  'microride.ride.started': { status: 'in_progress', rank: 4 },
  'microride.ride.completed': 'end',
  'microride.ride.cancelled': 'end',
  'microride.ride.expired': 'end',
};

// KEYS: 1 rides, 2 ended, 3 waits, 4 feed, 5 counter ('' key name when none: see ARGV 9)
// ARGV: 1 rideId|'', 2 'end'|'update'|'none', 3 partial record JSON, 4 now ms,
//       5 ended keep ms, 6 counter ttl, 7 feed entry JSON, 8 feed maxlen, 9 count (1/0), 10 arrived (1/0)
const recordScript = lua(`
if ARGV[9] == '1' then
  redis.call('INCR', KEYS[5])
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[6]))
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'm', ARGV[7])
local ride = ARGV[1]
if ride == '' or ARGV[2] == 'none' then return 1 end
local now = tonumber(ARGV[4])
if ARGV[2] == 'end' then
  redis.call('HDEL', KEYS[1], ride)
  redis.call('ZADD', KEYS[2], now, ride)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
  return 1
end
if redis.call('ZSCORE', KEYS[2], ride) then return 0 end
local new = cjson.decode(ARGV[3])
local cur = redis.call('HGET', KEYS[1], ride)
local rec = new
if cur then
  rec = cjson.decode(cur)
  for k, v in pairs(new) do
    if k == 'rank' or k == 'status' then
    elseif rec[k] == nil then rec[k] = v end
  end
  if (new.rank or 0) > (rec.rank or 0) then rec.rank = new.rank; rec.status = new.status end
end
redis.call('HSET', KEYS[1], ride, cjson.encode(rec))
if ARGV[10] == '1' and rec.requestedAt then
  local wait = now - tonumber(rec.requestedAt)
  if wait >= 0 then redis.call('ZADD', KEYS[3], now, ride .. ':' .. wait) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - ${(OPS_WINDOW_MINUTES + 5) * 60_000})
end
return 1
`);

export interface FeedEntry {
  type: string;
  rideId?: string;
  at: string;
  /** A one-line summary for the feed. */
  text: string;
}

interface RideEventData {
  rideId?: string;
  riderId?: string;
  driverId?: string | null;
  pickup?: { lat: number; lon: number };
  dropoff?: { lat: number; lon: number };
  requestedAt?: string;
  by?: string;
  amount?: number;
  fare?: { amount: number; currency: string };
  kind?: string;
  round?: number;
  stars?: number;
}

function summary(type: string, d: RideEventData): string {
  const short = type.replace(/^microride\./, '');
  const parts: string[] = [short];
  if (d.rideId) parts.push(`ride ${d.rideId.slice(0, 8)}`);
  if (d.driverId) parts.push(`driver ${d.driverId.slice(0, 8)}`);
  if (d.by) parts.push(`by ${d.by}`);
  if (d.round) parts.push(`round ${d.round}`);
  if (d.stars) parts.push(`${d.stars}★`);
  if (d.fare) parts.push(`${(d.fare.amount / 100).toFixed(2)} ${d.fare.currency}`);
  return parts.join(' · ');
}

/** Applies one stored event to the ops read model. */
export async function recordForOps(redis: Redis, type: string, data: unknown, at: string, now = Date.now()): Promise<void> {
  const d = (data ?? {}) as RideEventData;
  const rideId = typeof d.rideId === 'string' ? d.rideId : '';
  const step = RANK[type];
  const partial: Record<string, unknown> = {};
  if (step && step !== 'end') {
    partial.status = step.status;
    partial.rank = step.rank;
    if (d.pickup) partial.pickup = [d.pickup.lat, d.pickup.lon];
    if (d.dropoff) partial.dropoff = [d.dropoff.lat, d.dropoff.lon];
    if (d.driverId) partial.driverId = d.driverId;
    if (d.requestedAt) partial.requestedAt = Date.parse(d.requestedAt);
  }
  const kind = (COUNTED as Record<string, CountedKind | undefined>)[type];
  const minute = Math.floor(now / 60_000);
  const entry: FeedEntry = { type, ...(rideId ? { rideId } : {}), at, text: summary(type, d) };
  await runScript(redis, recordScript, [opsKeys.rides(), opsKeys.ended(), opsKeys.waits(), opsKeys.feed(), kind ? opsKeys.count(kind, minute) : opsKeys.feed()], [
    rideId,
    step === 'end' ? 'end' : step ? 'update' : 'none',
    JSON.stringify(partial),
    now,
    ENDED_KEEP_MS,
    COUNTER_TTL_SECONDS,
    JSON.stringify(entry),
    FEED_MAXLEN,
    kind ? '1' : '0',
    type === 'microride.ride.driver_arrived' ? '1' : '0',
  ]);
}
