/**
 * tracking:active:<driverId> → "<acceptedAt ms> <rideId>": the ride a driver is on
 * (accepted..ended), so each location sample can be tagged with it without a MongoDB
 * query on the hot path. The acceptance time lets a late event of an older ride lose
 * against the newer ride that already holds the pointer.
 */
import { redis, rkey } from '../runtime/clients.js';
import { lua, runScript } from '../runtime/redis-script.js';

/** Safety net: a pointer whose terminal event never arrives must not tag samples for ever. */
const ACTIVE_TTL_SECONDS = 12 * 3600;

const key = (driverId: string) => rkey('tracking', 'active', driverId);

// KEYS: pointer; ARGV: acceptedAtMs, rideId, ttl
const setIfNewerScript = lua(`
local cur = redis.call('GET', KEYS[1])
if cur then
  local sp = string.find(cur, ' ')
  local curAt = tonumber(string.sub(cur, 1, sp - 1))
  local curRide = string.sub(cur, sp + 1)
  if curRide ~= ARGV[2] and curAt > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
`);

// Only the ride that holds the pointer may clear it.
const clearIfScript = lua(`
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, string.find(cur, ' ') + 1) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export async function setActiveRide(driverId: string, rideId: string, acceptedAt: Date): Promise<void> {
  await runScript(redis(), setIfNewerScript, [key(driverId)], [acceptedAt.getTime(), rideId, ACTIVE_TTL_SECONDS]);
}

export async function clearActiveRide(driverId: string, rideId: string): Promise<void> {
  await runScript(redis(), clearIfScript, [key(driverId)], [rideId]);
}

export async function activeRide(driverId: string): Promise<string | null> {
  const v = await redis().get(key(driverId));
  return v ? v.slice(v.indexOf(' ') + 1) : null;
}
