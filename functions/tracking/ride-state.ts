/**
 * The live state of a ride in Redis, kept from the ride events without reading MongoDB:
 *   tracking:ride:<rideId>        hash  riderId, driverId, rank (max), acceptedAt/startedAt/endedAt (min, ms),
 *                                       pickup/dropoff ("lat lon", from `requested`: the live ETA's targets)
 *   tracking:ride:<rideId>:seen   set   keys (`source id`) of the events applied
 *   tracking:ride:<rideId>:trace  list  the trip's position samples (trip-trace.ts)
 * and the driver → active ride pointer (active-ride.ts). One Lua script applies an event to
 * all of them atomically: a redelivered event finds its key in the seen-set and changes
 * nothing; the pointer is decided from the ride's rank in the same step, so a late
 * "accepted" after "completed" cannot set it and a terminal event cannot be overtaken.
 */
import { redis, rkey } from '../../platform/clients.js';
import { lua, runScript } from '../../platform/redis-script.js';
import { ACTIVE_TTL_SECONDS, activeRideKey } from './active-ride.js';
import { ACTIVE_RANK, TERMINAL_RANK } from './lifecycle.js';
import type { RideSummary } from './summary.js';

/**
 * How long a ride's Redis keys live after its last event (a trace sample also renews its
 * list). They serve the ride while it runs and shortly after: the distance asked at
 * completion, a late rating, redeliveries from a broker backlog. A week outlasts any retry
 * schedule or outage we plan for; after it /distance falls back to MongoDB (slow but
 * correct) and the keys stop costing memory.
 */
export const RIDE_STATE_TTL_SECONDS = 7 * 24 * 3600;

export const rideKey = (rideId: string) => rkey('tracking', 'ride', rideId);
export const seenKey = (rideId: string) => rkey('tracking', 'ride', rideId, 'seen');
export const traceKey = (rideId: string) => rkey('tracking', 'ride', rideId, 'trace');

// KEYS: 1 ride hash, 2 seen set, 3 trace list, [4] the active-ride pointer of ARGV[10]
// ARGV: 1 event key, 2 rideId, 3 riderId|'', 4 driverId the event names|'', 5 rank,
//       6 event time ms, 7 acceptedAt ms|'', 8 startedAt ms|'', 9 endedAt ms|'',
//       10 driver whose pointer is KEYS[4]|'', 11 ride ttl, 12 pointer ttl, 13 active rank, 14 terminal rank,
//       15 pickup "lat lon"|'', 16 dropoff "lat lon"|'', 17 '1' when the event releases its driver|''
// Returns {1, driver} applied; {0, driver} duplicate; {-1, driver} when KEYS[4] is not the
// pointer of the ride's driver (an event that names no driver, for a ride that has one):
// nothing was written, and the caller runs it again with that driver's pointer.
const applyScript = lua(`
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return {0, ARGV[4]} end
local driver = ARGV[4]
if driver == '' then driver = redis.call('HGET', KEYS[1], 'driverId') or '' end
if driver ~= ARGV[10] then return {-1, driver} end

local ttl = tonumber(ARGV[11])
redis.call('SADD', KEYS[2], ARGV[1])
local function clearPointer()
  local cur = redis.call('GET', KEYS[4])
  if cur and string.sub(cur, string.find(cur, ' ') + 1) == ARGV[2] then redis.call('DEL', KEYS[4]) end
end
if ARGV[17] == '1' then
  -- The driver left the ride (re-matching): the next acceptance names the next driver.
  redis.call('HSET', KEYS[1], 'released:' .. driver, '1')
  if redis.call('HGET', KEYS[1], 'driverId') == driver then redis.call('HDEL', KEYS[1], 'driverId', 'acceptedAt') end
  for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end
  clearPointer()
  return {1, driver}
end
if ARGV[4] ~= '' and redis.call('HEXISTS', KEYS[1], 'released:' .. ARGV[4]) == 1 then
  -- A late event of a driver who left (delivery is unordered): kept in the timeline, but
  -- it must not make them the ride's driver again nor point their pings at it.
  clearPointer()
  return {1, driver}
end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'riderId', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'driverId', ARGV[4]) end
if ARGV[15] ~= '' then redis.call('HSET', KEYS[1], 'pickup', ARGV[15]) end
if ARGV[16] ~= '' then redis.call('HSET', KEYS[1], 'dropoff', ARGV[16]) end
local rank = math.max(tonumber(redis.call('HGET', KEYS[1], 'rank') or '0'), tonumber(ARGV[5]))
redis.call('HSET', KEYS[1], 'rank', rank)
local function earliest(field, v)
  if v == '' then return end
  local cur = redis.call('HGET', KEYS[1], field)
  if not cur or tonumber(v) < tonumber(cur) then redis.call('HSET', KEYS[1], field, v) end
end
earliest('acceptedAt', ARGV[7])
earliest('startedAt', ARGV[8])
earliest('endedAt', ARGV[9])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ttl) end

if driver ~= '' then
  local cur = redis.call('GET', KEYS[4])
  local curAt, curRide
  if cur then
    local sp = string.find(cur, ' ')
    curAt = tonumber(string.sub(cur, 1, sp - 1))
    curRide = string.sub(cur, sp + 1)
  end
  if rank >= tonumber(ARGV[14]) then
    -- Only the ride that holds the pointer may clear it.
    if curRide == ARGV[2] then redis.call('DEL', KEYS[4]) end
  elseif rank >= tonumber(ARGV[13]) then
    -- The newer acceptance wins: a late event of an older ride does not steal the pointer.
    local since = redis.call('HGET', KEYS[1], 'acceptedAt') or ARGV[6]
    if not cur or curRide == ARGV[2] or curAt <= tonumber(since) then
      redis.call('SET', KEYS[4], since .. ' ' .. ARGV[2], 'EX', tonumber(ARGV[12]))
    end
  end
end
return {1, driver}
`);

export interface RideStateUpdate {
  eventKey: string;
  rideId: string;
  riderId?: string | undefined;
  /** The assigned driver, when the event names one. */
  driverId?: string | undefined;
  rank: number;
  at: Date;
  acceptedAt?: Date | undefined;
  startedAt?: Date | undefined;
  endedAt?: Date | undefined;
  /** The ride's pickup and drop-off, when the event carries them (`requested`). */
  pickup?: { lat: number; lon: number } | undefined;
  dropoff?: { lat: number; lon: number } | undefined;
  /** `driverId` leaves the ride (re-matching): lifecycle.ts RELEASES_DRIVER_TYPES. */
  releasesDriver?: boolean | undefined;
}

const ms = (d: Date | undefined) => (d ? d.getTime() : '');
const point = (p: { lat: number; lon: number } | undefined) => (p ? `${p.lat} ${p.lon}` : '');

/** Applies one event to the ride's live state; 'duplicate' when it was applied before. */
export async function applyToRideState(u: RideStateUpdate): Promise<'applied' | 'duplicate'> {
  let pointerOf = u.driverId ?? '';
  // A second attempt only when the event names no driver but the ride has one; a third
  // only if that driver changed in between (never, in practice).
  for (let attempt = 0; attempt < 3; attempt++) {
    const keys = [rideKey(u.rideId), seenKey(u.rideId), traceKey(u.rideId), ...(pointerOf ? [activeRideKey(pointerOf)] : [])];
    const [code, driver] = (await runScript(redis(), applyScript, keys, [
      u.eventKey, u.rideId, u.riderId ?? '', u.driverId ?? '', u.rank, u.at.getTime(),
      ms(u.acceptedAt), ms(u.startedAt), ms(u.endedAt), pointerOf, RIDE_STATE_TTL_SECONDS, ACTIVE_TTL_SECONDS, ACTIVE_RANK, TERMINAL_RANK,
      point(u.pickup), point(u.dropoff), u.releasesDriver ? '1' : '',
    ])) as [number, string];
    if (code === 1) return 'applied';
    if (code === 0) return 'duplicate';
    pointerOf = driver;
  }
  throw new Error(`ride ${u.rideId}: its driver kept changing while an event was applied`);
}

/** The ride's live summary; null when Redis holds none (never seen, or expired). */
export async function rideSummary(rideId: string): Promise<RideSummary | null> {
  const h = await redis().hgetall(rideKey(rideId));
  if (h.rank === undefined) return null;
  const time = (v: string | undefined) => (v ? new Date(Number(v)) : undefined);
  const s: RideSummary = { rideId, rank: Number(h.rank) };
  if (h.riderId) s.riderId = h.riderId;
  if (h.driverId) s.driverId = h.driverId;
  const acceptedAt = time(h.acceptedAt);
  const startedAt = time(h.startedAt);
  const endedAt = time(h.endedAt);
  if (acceptedAt) s.acceptedAt = acceptedAt;
  if (startedAt) s.startedAt = startedAt;
  if (endedAt) s.endedAt = endedAt;
  return s;
}
