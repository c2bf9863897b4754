/**
 * The live driver index in Redis — the one deliberately SHARED read model of MicroRide.
 *
 * Services otherwise never touch each other's stores. This index is the exception because
 * "who is available near this point, right now" must be answered in a millisecond by
 * matching (offers) and analysis (surge, pickup ETA), and is fed by two writers at
 * different rates. Ownership is therefore split by field, not by key:
 *   - tracking owns the module and writes positions (recordPosition, several per minute);
 *   - drivers writes status and the driver's public card profile (setDriverStatus, when
 *     availability, a trip or the rating changes);
 *   - rides/matching adjust the open-request counters (adjustOpenRequests);
 *   - matching and analysis only read (nearestAvailable, marketNear); rides reads one
 *     driver's card profile and last position when they accept a ride, for the rider's
 *     driver card (liveDriver), so an accept makes no call to drivers;
 *     the notifier's operations channel reads them all (liveSnapshot: the console's map).
 * Nobody else may write these keys directly: go through this module.
 *
 * Keys (all through rkey(), so tests get a per-run prefix):
 *   live:driver:<driverId>        hash  profile, class, status, card, lat, lon, at, heading, speed
 *   live:seen                     zset  driverId → time of the last position (ms)
 *   live:geo:<vehicleClass>       geo   drivers that are online AND have a fresh position
 *   live:open:<vehicleClass>:<cell> int open ride requests in a geohash-5 cell
 * `driverId` is always the driver's account (user) id; `driverProfileId` the drivers row id.
 *
 * A position older than FRESH_MS does not count: stale members are swept out of the GEO
 * sets before every search, and results are filtered on freshness again, so a driver whose
 * app went quiet (tunnel, crash, dead battery) stops getting offers within 30 s.
 */
import { redis, rkey } from '../../platform/clients.js';
import { lua, runScript } from '../../platform/redis-script.js';
import { parseStoredJson } from '../../platform/stored-json.js';
import { geohashBounds, cellOf, haversineMeters } from '../../platform/geo.js';
import { vehicleClasses, type VehicleClass } from '../../contracts/vehicles.js';
import { cardProfile, type CardProfile } from '../../contracts/driver-card.js';

export type LiveStatus = 'online' | 'offline' | 'on_trip';

/** A position older than this is "quiet": the driver is not offered rides. */
export const FRESH_MS = 30_000;
/** Status and last position outlive a quiet app for a day, then Redis forgets them. */
const DRIVER_TTL_SECONDS = 24 * 3600;
/** Open-request counters are a safety net against a lost decrement, not a store of record. */
const OPEN_REQUESTS_TTL_SECONDS = 3600;
/** Redis GEO cannot index beyond ±85.05112878° (Web Mercator); nobody hails a ride there. */
const GEO_MAX_LAT = 85.05112878;
const SWEEP_BATCH = 1000;

const driverKey = (driverId: string) => rkey('live', 'driver', driverId);
const seenKey = () => rkey('live', 'seen');
const geoKey = (c: VehicleClass) => rkey('live', 'geo', c);
const openKey = (c: VehicleClass, cell: string) => rkey('live', 'open', c, cell);
/** KEYS order the scripts rely on: geo economy, comfort, xl. */
const allGeoKeys = () => vehicleClasses.map(geoKey);

// KEYS: hash, seen, geo(economy), geo(comfort), geo(xl)
// ARGV: driverId, profileId, class, status, nowMs, freshMs, ttl, maxLat, version ('' = none),
//       card profile JSON ('' = leave the held one)
// Status and GEO membership change together, so a concurrent position update cannot put
// an offline driver back into the GEO set between the two writes. A status older than the
// one held (a lower version: two changes synced in the opposite order) is ignored: -1.
const setStatusScript = lua(`
local geo = { economy = KEYS[3], comfort = KEYS[4], xl = KEYS[5] }
if ARGV[9] ~= '' then
  local held = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
  if tonumber(ARGV[9]) < held then return -1 end
  redis.call('HSET', KEYS[1], 'version', ARGV[9])
end
redis.call('HSET', KEYS[1], 'profile', ARGV[2], 'class', ARGV[3], 'status', ARGV[4])
if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'card', ARGV[10]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
for i = 3, 5 do redis.call('ZREM', KEYS[i], ARGV[1]) end
if ARGV[4] == 'online' then
  local pos = redis.call('HMGET', KEYS[1], 'lat', 'lon', 'at')
  if pos[1] and pos[3] and tonumber(pos[3]) >= tonumber(ARGV[5]) - tonumber(ARGV[6])
     and math.abs(tonumber(pos[1])) <= tonumber(ARGV[8]) then
    redis.call('GEOADD', geo[ARGV[3]], pos[2], pos[1], ARGV[1])
    return 1
  end
end
return 0
`);

// KEYS: hash, seen, geo(economy), geo(comfort), geo(xl)
// ARGV: driverId, lat, lon, atMs, heading, speed, nowMs, freshMs, ttl, maxLat
// Returns 1 when the driver is now in a GEO set, 0 when not, -1 when the sample was older
// than the one already held (out-of-order delivery must not move a driver backwards).
const recordScript = lua(`
local geo = { economy = KEYS[3], comfort = KEYS[4], xl = KEYS[5] }
local at = tonumber(ARGV[4])
local prev = tonumber(redis.call('HGET', KEYS[1], 'at') or '0')
if at < prev then return -1 end
redis.call('HSET', KEYS[1], 'lat', ARGV[2], 'lon', ARGV[3], 'at', ARGV[4], 'heading', ARGV[5], 'speed', ARGV[6])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[9]))
redis.call('ZADD', KEYS[2], at, ARGV[1])
local st = redis.call('HMGET', KEYS[1], 'status', 'class')
if st[1] == 'online' and geo[st[2]] and at >= tonumber(ARGV[7]) - tonumber(ARGV[8])
   and math.abs(tonumber(ARGV[2])) <= tonumber(ARGV[10]) then
  redis.call('GEOADD', geo[st[2]], ARGV[3], ARGV[2], ARGV[1])
  return 1
end
return 0
`);

// KEYS: seen, geo(economy), geo(comfort), geo(xl); ARGV: cutoffMs, batch
// Atomic so a driver who reports a fresh position in between is not swept out by mistake.
const sweepScript = lua(`
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(stale) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  redis.call('ZREM', KEYS[1], id)
end
return #stale
`);

// KEYS: counter; ARGV: delta, ttl. Never below zero: a duplicate decrement must not
// make a busy cell look quiet for the next request.
const adjustScript = lua(`
local v = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
if v < 0 then redis.call('SET', KEYS[1], 0); v = 0 end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return v
`);

export interface DriverStatusUpdate {
  driverId: string;
  driverProfileId: string;
  vehicleClass: VehicleClass;
  status: LiveStatus;
  /**
   * The status's version in the source of truth (drivers' status_version, raised by every
   * change under the row lock): an older one arriving late does not overwrite a newer one.
   */
  version?: number;
  /** The driver's public card profile, written with the status (absent: the held one stays). */
  card?: CardProfile;
}

/**
 * online → eligible once (or as soon as) it has a fresh position; offline / on_trip →
 * out of the GEO set at once. Returns whether the driver is searchable now.
 */
export async function setDriverStatus(u: DriverStatusUpdate, now = Date.now()): Promise<boolean> {
  const r = await runScript(redis(), setStatusScript, [driverKey(u.driverId), seenKey(), ...allGeoKeys()], [
    u.driverId, u.driverProfileId, u.vehicleClass, u.status, now, FRESH_MS, DRIVER_TTL_SECONDS, GEO_MAX_LAT, u.version ?? '',
    u.card ? JSON.stringify(u.card) : '',
  ]);
  return r === 1;
}

export interface Position {
  lat: number;
  lon: number;
  heading?: number | null;
  speedKmh?: number | null;
  /** When the position was measured (ms since epoch or Date). */
  at: number | Date;
}

export type RecordResult = 'indexed' | 'stored' | 'out_of_order';

/** Stores the last position; indexes it for search only when the driver is online. */
export async function recordPosition(driverId: string, p: Position, now = Date.now()): Promise<RecordResult> {
  const at = typeof p.at === 'number' ? p.at : p.at.getTime();
  const r = await runScript(redis(), recordScript, [driverKey(driverId), seenKey(), ...allGeoKeys()], [
    driverId, p.lat, p.lon, at, p.heading ?? '', p.speedKmh ?? '', now, FRESH_MS, DRIVER_TTL_SECONDS, GEO_MAX_LAT,
  ]);
  return r === 1 ? 'indexed' : r === -1 ? 'out_of_order' : 'stored';
}

export interface LiveDriver {
  driverId: string;
  driverProfileId: string | null;
  vehicleClass: VehicleClass | null;
  status: LiveStatus | null;
  /** The card profile drivers wrote with the status; null when none was written (or it is unreadable). */
  card: CardProfile | null;
  position: { lat: number; lon: number; at: Date; heading: number | null; speedKmh: number | null } | null;
}

/** What the index holds about one driver (null when it knows nothing). */
export async function liveDriver(driverId: string): Promise<LiveDriver | null> {
  const h = await redis().hgetall(driverKey(driverId));
  if (Object.keys(h).length === 0) return null;
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  const lat = num(h.lat);
  const lon = num(h.lon);
  const at = num(h.at);
  return {
    driverId,
    driverProfileId: h.profile ?? null,
    vehicleClass: (vehicleClasses as readonly string[]).includes(h.class ?? '') ? (h.class as VehicleClass) : null,
    status: h.status === 'online' || h.status === 'offline' || h.status === 'on_trip' ? h.status : null,
    card: parseStoredJson(cardProfile, h.card),
    position: lat !== null && lon !== null && at !== null ? { lat, lon, at: new Date(at), heading: num(h.heading), speedKmh: num(h.speed) } : null,
  };
}

/** Drops drivers whose last position is older than FRESH_MS from every GEO set. */
export async function sweepStale(now = Date.now()): Promise<number> {
  let total = 0;
  for (;;) {
    const n = Number(await runScript(redis(), sweepScript, [seenKey(), ...allGeoKeys()], [now - FRESH_MS, SWEEP_BATCH]));
    total += n;
    if (n < SWEEP_BATCH) return total;
  }
}

export interface NearestQuery {
  vehicleClass: VehicleClass;
  lat: number;
  lon: number;
  radiusMeters: number;
  limit: number;
  /** Drivers to leave out (already offered, declined). */
  exclude?: ReadonlySet<string>;
  /** Clock override for tests and replays. */
  now?: number;
}

export interface NearbyDriver {
  driverId: string;
  driverProfileId: string;
  distanceMeters: number;
}

/** Available (online, fresh) drivers of a class within a radius, nearest first. */
export async function nearestAvailable(q: NearestQuery): Promise<NearbyDriver[]> {
  if (q.limit <= 0 || Math.abs(q.lat) > GEO_MAX_LAT) return [];
  const now = q.now ?? Date.now();
  await sweepStale(now);
  const exclude = q.exclude ?? new Set<string>();
  const raw = (await redis().call(
    'GEOSEARCH', geoKey(q.vehicleClass), 'FROMLONLAT', q.lon, q.lat, 'BYRADIUS', q.radiusMeters, 'm',
    'ASC', 'COUNT', q.limit + exclude.size, 'WITHDIST',
  )) as [string, string][];
  const candidates = raw.filter(([id]) => !exclude.has(id));
  if (candidates.length === 0) return [];
  const pipe = redis().pipeline();
  for (const [id] of candidates) pipe.hmget(driverKey(id), 'status', 'profile', 'at');
  const details = (await pipe.exec()) ?? [];
  const out: NearbyDriver[] = [];
  candidates.forEach(([driverId, dist], i) => {
    const [err, fields] = details[i] ?? [null, null];
    const [status, profile, at] = (err ? [] : (fields as (string | null)[] | null) ?? []) as (string | null | undefined)[];
    // Re-check: the sweep ran a moment ago, but a status change may have raced the search.
    if (status !== 'online' || !profile || !at || Number(at) < now - FRESH_MS) return;
    if (out.length < q.limit) out.push({ driverId, driverProfileId: profile, distanceMeters: Math.round(Number(dist)) });
  });
  return out;
}

export interface Market {
  /** Geohash-5 cell of the point. */
  cell: string;
  availableDrivers: number;
  openRequests: number;
}

/** Demand and supply in the market cell around a point (for surge). */
export async function marketNear(q: { lat: number; lon: number; vehicleClass: VehicleClass; now?: number }): Promise<Market> {
  const cell = cellOf(q.lat, q.lon);
  const openRequests = Math.max(0, Number((await redis().get(openKey(q.vehicleClass, cell))) ?? 0));
  if (Math.abs(q.lat) > GEO_MAX_LAT) return { cell, availableDrivers: 0, openRequests };
  await sweepStale(q.now ?? Date.now());
  // The same rectangle as the request counter, so demand and supply describe one area.
  const b = geohashBounds(cell);
  const centre = { lat: (b.minLat + b.maxLat) / 2, lon: (b.minLon + b.maxLon) / 2 };
  const width = haversineMeters({ lat: centre.lat, lon: b.minLon }, { lat: centre.lat, lon: b.maxLon });
  const height = haversineMeters({ lat: b.minLat, lon: centre.lon }, { lat: b.maxLat, lon: centre.lon });
  const members = (await redis().call(
    'GEOSEARCH', geoKey(q.vehicleClass), 'FROMLONLAT', centre.lon, centre.lat, 'BYBOX', width, height, 'm',
  )) as string[];
  return { cell, availableDrivers: members.length, openRequests };
}

/** Open requests in a cell: +1 on ride request, −1 on accept, cancel or expiry. Returns the new count. */
export async function adjustOpenRequests(cell: string, vehicleClass: VehicleClass, delta: 1 | -1): Promise<number> {
  return Number(await runScript(redis(), adjustScript, [openKey(vehicleClass, cell)], [delta, OPEN_REQUESTS_TTL_SECONDS]));
}

export { cellOf };

// KEYS: seen; ARGV: sinceMs, hash key prefix ("<prefix>live:driver:"), limit
// One script instead of one HMGET per driver: the operations console reads every driver
// once a second, and a single call keeps that a few hundred microseconds of Redis time.
const snapshotScript = lua(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[2] .. id, 'status', 'lat', 'lon', 'at', 'class')
  out[#out + 1] = id
  out[#out + 1] = h[1] or ''
  out[#out + 1] = h[2] or ''
  out[#out + 1] = h[3] or ''
  out[#out + 1] = h[4] or ''
  out[#out + 1] = h[5] or ''
end
return out
`);

export interface LiveSnapshotEntry {
  driverId: string;
  status: LiveStatus | null;
  vehicleClass: VehicleClass | null;
  lat: number;
  lon: number;
  /** Time of the last position, ms since epoch. */
  at: number;
}

/**
 * Every driver who reported a position since `sinceMs` (at most `limit`), with status and
 * last position: the operations console's map (read by the notifier's ops channel).
 */
export async function liveSnapshot(sinceMs: number, limit = 20_000): Promise<LiveSnapshotEntry[]> {
  const flat = (await runScript(redis(), snapshotScript, [seenKey()], [sinceMs, driverKey(''), limit])) as string[];
  const out: LiveSnapshotEntry[] = [];
  for (let i = 0; i + 5 < flat.length; i += 6) {
    const lat = Number(flat[i + 2]);
    const lon = Number(flat[i + 3]);
    const at = Number(flat[i + 4]);
    if (!flat[i + 2] || !Number.isFinite(lat) || !Number.isFinite(lon) || !Number.isFinite(at)) continue;
    const status = flat[i + 1];
    const cls = flat[i + 5] ?? '';
    out.push({
      driverId: flat[i] as string,
      status: status === 'online' || status === 'offline' || status === 'on_trip' ? status : null,
      vehicleClass: (vehicleClasses as readonly string[]).includes(cls) ? (cls as VehicleClass) : null,
      lat, lon, at,
    });
  }
  return out;
}
