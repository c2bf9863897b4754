/**
 * Matching's working memory, in Redis (it is short-lived and hot; rides keeps the record).
 * Per ride: a hash with where/what to match and the current round, the drivers offered so
 * far and the drivers who declined; one sorted set `due` says when the sweep must look at
 * a ride again (its offers lapse, or nobody was around and it is time to look again).
 *
 * Every step that decides something is one Lua script, so a redelivered or concurrent
 * event (an offer lapsing while the last driver declines) advances a round exactly once:
 * a round is claimed by compare-and-set on its number.
 */
import { redis, rkey } from '../../platform/clients.js';
import { lua, runScript } from '../../platform/redis-script.js';
import type { VehicleClass } from '../../contracts/vehicles.js';

const rideKey = (id: string) => rkey('matching', 'ride', id);
const offeredKey = (id: string) => rkey('matching', 'ride', id, 'offered');
const declinedKey = (id: string) => rkey('matching', 'ride', id, 'declined');
const dueKey = () => rkey('matching', 'due');

/** Long after any ride has expired; the keys only have to outlive the ride's matching. */
const KEY_TTL_SECONDS = 6 * 3600;
/** A search that has not recorded its result after this long is presumed dead (crashed pod). */
export const SEARCH_STALE_MS = 10_000;

// KEYS: hash, due; ARGV: rideId, rider, class, lat, lon, cell, ttl, now, staleMs
// Opening also claims round 0's search. A hash that exists (even closed: a cancel that
// overtook the request) means there is nothing to open.
const openScript = lua(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rider', ARGV[2], 'class', ARGV[3], 'lat', ARGV[4], 'lon', ARGV[5], 'cell', ARGV[6],
  'open', '1', 'round', '0', 'searching', ARGV[8], 'pending', '', 'expires', '0')
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[8]) + tonumber(ARGV[9]), ARGV[1])
return 1
`);

// KEYS: hash, due; ARGV: rideId, fromRound, now, staleMs
// 1 = claimed; -1 closed or unknown; -2 the round moved on already; -3 a search is running.
const claimScript = lua(`
local h = redis.call('HMGET', KEYS[1], 'open', 'round', 'searching')
if h[1] ~= '1' then return -1 end
if tonumber(h[2]) ~= tonumber(ARGV[2]) then return -2 end
if h[3] and h[3] ~= '' and tonumber(h[3]) > tonumber(ARGV[3]) - tonumber(ARGV[4]) then return -3 end
redis.call('HSET', KEYS[1], 'searching', ARGV[3])
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
return 1
`);

// KEYS: hash, due, offered, declined; ARGV: rideId, fromRound, expiresMs, retryAtMs, ttl, driverIds…
// Returns the new round, 0 when nobody was found (look again at retryAt), -1 when the ride
// closed or moved on while we searched (then the result is dropped).
const recordScript = lua(`
local h = redis.call('HMGET', KEYS[1], 'open', 'round')
if h[1] ~= '1' or tonumber(h[2]) ~= tonumber(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[1], 'searching', '')
if #ARGV > 5 then
  local ids = {}
  for i = 6, #ARGV do ids[#ids + 1] = ARGV[i] end
  local round = tonumber(ARGV[2]) + 1
  redis.call('HSET', KEYS[1], 'round', round, 'pending', table.concat(ids, ','), 'expires', ARGV[3])
  redis.call('SADD', KEYS[3], unpack(ids))
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
  redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[1])
  return round
end
redis.call('HSET', KEYS[1], 'pending', '', 'expires', '0')
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[1])
return 0
`);

// KEYS: hash, declined; ARGV: driverId, ttl
// Returns the round to advance from when every driver of the current round has declined, else 0.
const declineScript = lua(`
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
local h = redis.call('HMGET', KEYS[1], 'open', 'round', 'pending')
if h[1] ~= '1' or not h[3] or h[3] == '' then return 0 end
local mine = false
for id in string.gmatch(h[3], '[^,]+') do
  if id == ARGV[1] then mine = true end
  if redis.call('SISMEMBER', KEYS[2], id) == 0 then return 0 end
end
if not mine then return 0 end
return tonumber(h[2])
`);

// KEYS: hash, due, declined; ARGV: rideId, ttl, ended ('1': cancelled or expired), acceptedBy.
// Closing an unknown ride leaves a closed tombstone so a late ride.requested does not start
// matching a ride that is already over; an ended ride is never reopened (rematchScript).
// An acceptance by a driver who has since cancelled (they are among the declined) is
// stale: the ride was matched again meanwhile, so it does not close it.
const closeScript = lua(`
if ARGV[4] ~= '' and redis.call('SISMEMBER', KEYS[3], ARGV[4]) == 1 then return { 0, '', '' } end
local h = redis.call('HMGET', KEYS[1], 'open', 'cell', 'class')
redis.call('HSET', KEYS[1], 'open', '0', 'pending', '')
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'ended', '1') end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('ZREM', KEYS[2], ARGV[1])
if h[1] == '1' then return { 1, h[2], h[3] } end
return { 0, '', '' }
`);

// KEYS: hash, due, offered, declined; ARGV: rideId, rider, class, lat, lon, cell, ttl, now, staleMs, driverId
// The assigned driver cancelled before pickup: the ride is matched again, from the round it
// had, and the driver joins the declined (never offered it again). Returns {counted, fromRound}:
// counted = 1 when the ride was not open (its demand counts again); fromRound = the round the
// next search runs from, -1 when there is nothing to do (the ride ended). A redelivery (the
// driver is already among the declined) answers the same fromRound with counted 0, so its
// caller can hand over a round the first delivery decided but could not announce.
const rematchScript = lua(`
if redis.call('HGET', KEYS[1], 'ended') == '1' then return { 0, -1 } end
if redis.call('SISMEMBER', KEYS[4], ARGV[10]) == 1 then
  return { 0, tonumber(redis.call('HGET', KEYS[1], 'rematch') or '-1') }
end
redis.call('SADD', KEYS[4], ARGV[10])
redis.call('SADD', KEYS[3], ARGV[10])
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[7]))
redis.call('EXPIRE', KEYS[4], tonumber(ARGV[7]))
local h = redis.call('HMGET', KEYS[1], 'open', 'round')
local counted = 0
if not h[2] then
  redis.call('HSET', KEYS[1], 'rider', ARGV[2], 'class', ARGV[3], 'lat', ARGV[4], 'lon', ARGV[5], 'cell', ARGV[6], 'round', '0')
  counted = 1
elseif h[1] ~= '1' then
  counted = 1
end
local round = tonumber(h[2] or '0')
redis.call('HSET', KEYS[1], 'open', '1', 'pending', '', 'expires', '0', 'searching', '', 'rematch', round)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[8]) + tonumber(ARGV[9]), ARGV[1])
return { counted, round }
`);

// KEYS: due; ARGV: now, limit. Takes what is due off the set, so two sweeps split the work.
const takeDueScript = lua(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
return ids
`);

export interface MatchRide {
  rideId: string;
  riderId: string;
  vehicleClass: VehicleClass;
  lat: number;
  lon: number;
  cell: string;
}

export interface RideState extends MatchRide {
  open: boolean;
  round: number;
  /** Drivers holding the current round's offer. */
  pending: string[];
  /** When the current round lapses (ms), 0 when none is out. */
  expiresAt: number;
  searching: boolean;
}

export async function openRide(r: MatchRide, now = Date.now()): Promise<boolean> {
  const res = await runScript(redis(), openScript, [rideKey(r.rideId), dueKey()], [
    r.rideId, r.riderId, r.vehicleClass, r.lat, r.lon, r.cell, KEY_TTL_SECONDS, now, SEARCH_STALE_MS,
  ]);
  return res === 1;
}

export type ClaimResult = 'claimed' | 'closed' | 'moved_on' | 'busy';

export async function claimRound(rideId: string, fromRound: number, now = Date.now()): Promise<ClaimResult> {
  const res = Number(await runScript(redis(), claimScript, [rideKey(rideId), dueKey()], [rideId, fromRound, now, SEARCH_STALE_MS]));
  return res === 1 ? 'claimed' : res === -1 ? 'closed' : res === -2 ? 'moved_on' : 'busy';
}

/** The outcome of a claimed search: a new round number, 0 = nobody found, -1 = dropped. */
export async function recordRound(rideId: string, fromRound: number, driverIds: readonly string[], expiresAt: number, retryAt: number): Promise<number> {
  return Number(
    await runScript(redis(), recordScript, [rideKey(rideId), dueKey(), offeredKey(rideId), declinedKey(rideId)], [
      rideId, fromRound, expiresAt, retryAt, KEY_TTL_SECONDS, ...driverIds,
    ]),
  );
}

/** Records a decline; returns the round to advance from when the whole round said no, else 0. */
export async function recordDecline(rideId: string, driverId: string): Promise<number> {
  return Number(await runScript(redis(), declineScript, [rideKey(rideId), declinedKey(rideId)], [driverId, KEY_TTL_SECONDS]));
}

/** Why matching stops: an acceptance (by `driverId`; undone if that driver cancels), or the ride's end. */
export type CloseReason = { accepted: string } | 'ended';

/** Closes matching for a ride; returns where it was open (to release the demand counter) or null. */
export async function closeRide(rideId: string, why: CloseReason = 'ended'): Promise<{ cell: string; vehicleClass: VehicleClass } | null> {
  const [closed, cell, cls] = (await runScript(redis(), closeScript, [rideKey(rideId), dueKey(), declinedKey(rideId)], [
    rideId, KEY_TTL_SECONDS, why === 'ended' ? '1' : '0', why === 'ended' ? '' : why.accepted,
  ])) as [number, string, string];
  return closed === 1 ? { cell, vehicleClass: cls as VehicleClass } : null;
}

/** Matching the ride again without `driverId` (rematchScript): whether its demand counts again, and the round to search from (-1: nothing to do). */
export async function reopenRide(r: MatchRide, driverId: string, now = Date.now()): Promise<{ counted: boolean; fromRound: number }> {
  const [counted, fromRound] = (await runScript(redis(), rematchScript, [rideKey(r.rideId), dueKey(), offeredKey(r.rideId), declinedKey(r.rideId)], [
    r.rideId, r.riderId, r.vehicleClass, r.lat, r.lon, r.cell, KEY_TTL_SECONDS, now, SEARCH_STALE_MS, driverId,
  ])) as [number, number];
  return { counted: counted === 1, fromRound: Number(fromRound) };
}

export async function rideState(rideId: string): Promise<RideState | null> {
  const h = await redis().hgetall(rideKey(rideId));
  if (!h.class) return null;
  return {
    rideId,
    riderId: h.rider ?? '',
    vehicleClass: h.class as VehicleClass,
    lat: Number(h.lat),
    lon: Number(h.lon),
    cell: h.cell ?? '',
    open: h.open === '1',
    round: Number(h.round ?? 0),
    pending: h.pending ? h.pending.split(',') : [],
    expiresAt: Number(h.expires ?? 0),
    searching: Boolean(h.searching),
  };
}

export async function excludedDrivers(rideId: string): Promise<{ offered: Set<string>; declined: Set<string> }> {
  const [offered, declined] = await Promise.all([redis().smembers(offeredKey(rideId)), redis().smembers(declinedKey(rideId))]);
  return { offered: new Set(offered), declined: new Set(declined) };
}

export async function takeDue(now = Date.now(), limit = 500): Promise<string[]> {
  return (await runScript(redis(), takeDueScript, [dueKey()], [now, limit])) as string[];
}

/** Puts a ride back on the sweep's list (e.g. after announcing a lapsed round, in case nobody acts on it). */
export async function dueAgain(rideId: string, at: number): Promise<void> {
  await redis().zadd(dueKey(), at, rideId);
}
