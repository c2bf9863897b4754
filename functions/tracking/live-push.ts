/**
 * The rider's live view of the driver: on each accepted ping of a driver on an active ride
 * (accepted, arrived, in_progress), the ride's LivePosition (contracts/live-position.ts)
 * is written to Redis under liveKey(rideId) with a short expiry and, at most once per
 * LIVE_PUSH_INTERVAL_MS window per ride, published on the live channel, from which the
 * notifier writes it to the rider's sockets.
 *
 * Two Redis round trips per ping of an active ride, none for a driver without one:
 *   1. one pipeline: the ride's riderId/rank/pickup/dropoff (the ride-state hash, kept from
 *      the ride events: no rides database on the hot path) and the previous position;
 *   2. one script: store the position, check the ride's push window, publish.
 * Both run beside the ping's MongoDB insert, so the ping answers no later for them.
 */
import { redis, rkey } from '../../platform/clients.js';
import { lua, runScript } from '../../platform/redis-script.js';
import { parseStoredJson } from '../../platform/stored-json.js';
import type { LatLon } from '../../platform/geo.js';
import { liveChannel, liveKey, liveMessageText, livePosition, type LivePosition } from '../../contracts/live-position.js';
import { ACTIVE_RANK, TERMINAL_RANK, rankOf } from './lifecycle.js';
import { rideKey } from './ride-state.js';
import { derivedSpeedKmh, estimate, type EtaModel } from './eta.js';
import { liveSettings, type LiveSettings } from './live-settings.js';

const STARTED_RANK = rankOf('microride.ride.started')!;

export interface LivePing {
  lat: number;
  lon: number;
  heading: number | null;
  speedKmh: number | null;
}

/** What tracking knows of the ride for the live view (ride-state.ts hash). */
export interface LiveRide {
  riderId: string | undefined;
  rank: number;
  pickup: LatLon | undefined;
  dropoff: LatLon | undefined;
}

export interface LiveReads {
  ride: LiveRide | null;
  /** The ride's latest position, if not expired: the derived speed starts from it. */
  previous: LivePosition | null;
}

export type PushOutcome = 'pushed' | 'throttled' | 'inactive';

/** The push window of a time: two pings of a ride in one window make one push. */
export const pushWindow = (atMs: number, intervalMs: number): number => Math.floor(atMs / intervalMs);

export const modelOf = (s: LiveSettings): EtaModel => ({
  citySpeedKmh: s.LIVE_CITY_SPEED_KMH,
  detourFactor: s.LIVE_DETOUR_FACTOR,
  recentWeight: s.LIVE_RECENT_SPEED_WEIGHT,
  boundFactor: s.LIVE_SPEED_BOUND_FACTOR,
});

/**
 * The position to show for this ping, with the rider to show it to; null when the ride
 * is not (or no longer, or not yet as far as tracking knows) accepted/arrived/in_progress,
 * or its rider or target is still unknown (its `requested` event not yet applied).
 */
export function livePositionOf(rideId: string, ping: LivePing, at: Date, reads: LiveReads, model: EtaModel): { riderId: string; position: LivePosition } | null {
  const ride = reads.ride;
  if (!ride || ride.rank < ACTIVE_RANK || ride.rank >= TERMINAL_RANK || !ride.riderId) return null;
  const towards = ride.rank >= STARTED_RANK ? 'dropoff' : 'pickup';
  const target = towards === 'pickup' ? ride.pickup : ride.dropoff;
  if (!target) return null;
  const prev = reads.previous;
  const recent = ping.speedKmh ?? (prev ? derivedSpeedKmh({ lat: prev.lat, lon: prev.lon, at: new Date(prev.at) }, { lat: ping.lat, lon: ping.lon, at }) : null);
  const { distanceMeters, etaSeconds } = estimate(ping, target, recent, model);
  return {
    riderId: ride.riderId,
    position: { rideId, lat: ping.lat, lon: ping.lon, heading: ping.heading, speedKmh: ping.speedKmh, towards, etaSeconds, distanceMeters, at: at.toISOString() },
  };
}

const pointOf = (v: string | null): LatLon | undefined => {
  if (!v) return undefined;
  const [lat, lon] = v.split(' ').map(Number);
  return Number.isFinite(lat) && Number.isFinite(lon) ? { lat: lat!, lon: lon! } : undefined;
};

/** Round trip 1: the ride's fields and its previous position, in one pipeline. */
export async function readLive(rideId: string): Promise<LiveReads> {
  const out = await redis()
    .pipeline()
    .hmget(rideKey(rideId), 'riderId', 'rank', 'pickup', 'dropoff')
    .get(rkey(...liveKey(rideId)))
    .exec();
  if (!out) throw new Error('live read: pipeline aborted');
  const [hErr, h] = out[0]!;
  const [gErr, prev] = out[1]!;
  if (hErr) throw hErr;
  if (gErr) throw gErr;
  const [riderId, rank, pickup, dropoff] = h as (string | null)[];
  const ride = rank ? { riderId: riderId ?? undefined, rank: Number(rank), pickup: pointOf(pickup ?? null), dropoff: pointOf(dropoff ?? null) } : null;
  return { ride, previous: parseStoredJson(livePosition, prev as string | null) };
}

// KEYS: 1 live position, 2 push window of the ride.
// ARGV: 1 position JSON, 2 its ttl (s), 3 window number, 4 window key ttl (ms), 5 channel, 6 publication.
// The position is stored whatever the window says (the ride detail shows the latest);
// only the publication is throttled. Returns 1 published, 0 throttled.
const storeAndPushScript = lua(`
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
if redis.call('GET', KEYS[2]) == ARGV[3] then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', tonumber(ARGV[4]))
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`);

export const pushWindowKey = (rideId: string) => rkey('live', 'push', rideId);

/** Round trip 2: store the position, publish it if its ride's window has had no push yet. */
export async function storeAndPush(riderId: string, p: LivePosition, s: LiveSettings, now = Date.now()): Promise<'pushed' | 'throttled'> {
  const window = pushWindow(new Date(p.at).getTime(), s.LIVE_PUSH_INTERVAL_MS);
  const publication = `${now}\n${riderId}\n${liveMessageText(p)}`;
  const out = await runScript(redis(), storeAndPushScript, [rkey(...liveKey(p.rideId)), pushWindowKey(p.rideId)], [
    JSON.stringify(p), s.LIVE_POSITION_TTL_SECONDS, window, 2 * s.LIVE_PUSH_INTERVAL_MS, rkey(...liveChannel()), publication,
  ]);
  return out === 1 ? 'pushed' : 'throttled';
}

export interface LiveStores {
  readLive: typeof readLive;
  storeAndPush: typeof storeAndPush;
  settings: () => LiveSettings;
}

const liveStores: LiveStores = { readLive, storeAndPush, settings: liveSettings };

/** One accepted ping of the driver of `rideId` (the driver's active-ride pointer). */
export async function publishLive(rideId: string, ping: LivePing, at: Date, stores: LiveStores = liveStores): Promise<PushOutcome> {
  const s = stores.settings();
  const live = livePositionOf(rideId, ping, at, await stores.readLive(rideId), modelOf(s));
  if (!live) return 'inactive';
  return stores.storeAndPush(live.riderId, live.position, s);
}
