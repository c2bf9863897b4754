/**
 * Per-user notification streams in Redis: the durable half of "no missed notifications".
 *
 * Every message a user is sent is first an entry of the Redis stream `notify:user:<id>`
 * (capped: XADD MAXLEN N, XTRIM MINID ~ now-TTL, EXPIRE TTL). The entry id *is* the
 * message id, so `?since=<id>` is an exact resume point, per user, across replicas.
 *
 * One Lua script does, atomically: drop the CloudEvent if its source+id was seen, append
 * one entry per recipient (remembering each stream's previous last id), publish the
 * fan-out notice, and mark the event seen. Because append and publish cannot part, a
 * crash can neither lose the live push of a stored message nor push an unstored one.
 * (All keys live on one Redis; on Redis Cluster the keys would need a common hash tag.)
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { rkey } from '../platform/clients.js';

const STREAM_ID = /^(\d{1,16})-(\d{1,16})$/;

export const isStreamId = (s: string) => STREAM_ID.test(s);

/** Orders two stream ids ("ms-seq"); both parts fit a double exactly at these lengths. */
export function compareIds(a: string, b: string): number {
  const ma = STREAM_ID.exec(a);
  const mb = STREAM_ID.exec(b);
  if (!ma || !mb) throw new Error(`not stream ids: ${a}, ${b}`);
  return Number(ma[1]) - Number(mb[1]) || Number(ma[2]) - Number(mb[2]);
}

/** Milliseconds part of a stream id: when the entry was written. */
export const idTime = (id: string) => Number(id.split('-')[0]);

export const streamKey = (userId: string) => rkey('notify', 'user', userId);

/** source+id identify a CloudEvent (spec §3.1.1); hashed because sources are free-form URIs. */
export const seenKey = (source: string, id: string) =>
  rkey('notify', 'seen', createHash('sha256').update(source).update('\0').update(id).digest('base64url'));

export const fanoutChannel = () => rkey('notify', 'fanout');

/** The message sent on the socket: `{"id":…}` prepended to the stored body `{type, rideId, data, at}`. */
export const messageText = (id: string, body: string) => `{"id":"${id}",${body.slice(1)}`;

// KEYS[1] seen marker; KEYS[2..] recipient streams.
// ARGV: 1 seen ttl, 2 maxlen, 3 stream ttl, 4 min id, 5 channel, 6 receipt ms, 7 body, 8.. user ids.
// Publication: "<receipt ms>\n<user id prev>;<user id prev>…\n<body>" (body is one-line JSON).
// MAXLEN is exact, not "~": streams are tiny, so trimming one entry per append is cheap,
// and "the last N" stays a promise a client can rely on (with "~" a node of 100 entries
// is dropped at once, so small caps would not trim at all and large ones would overshoot).
const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local out = {}
local parts = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  local prev = '0-0'
  if last[1] then prev = last[1][1] end
  local id = redis.call('XADD', key, 'MAXLEN', ARGV[2], '*', 'm', ARGV[7], 'p', prev)
  redis.call('XTRIM', key, 'MINID', '~', ARGV[4])
  redis.call('EXPIRE', key, ARGV[3])
  local user = ARGV[6 + i]
  parts[#parts + 1] = user .. ' ' .. id .. ' ' .. prev
  out[#out + 1] = user
  out[#out + 1] = id
  out[#out + 1] = prev
end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. '\\n' .. table.concat(parts, ';') .. '\\n' .. ARGV[7])
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return out
`;
const APPEND_SHA = createHash('sha1').update(APPEND_SCRIPT).digest('hex');

export interface StreamLimits {
  maxLen: number;
  ttlSeconds: number;
  dedupeTtlSeconds: number;
}

export interface Appended {
  userId: string;
  id: string;
  /** The stream's last id before this entry ('0-0' if empty): lets a socket see a gap. */
  prev: string;
}

export async function evalScript(redis: Redis, sha: string, script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}

/**
 * Stores `body` for each user and publishes it for live delivery, unless the CloudEvent
 * (source, id) was already handled: then returns null and nothing is written or sent.
 */
export async function appendAndPublish(
  redis: Redis,
  event: { source: string; id: string },
  userIds: readonly string[],
  body: string,
  limits: StreamLimits,
  receivedAt = Date.now(),
): Promise<Appended[] | null> {
  const keys = [seenKey(event.source, event.id), ...userIds.map(streamKey)];
  const minId = `${Math.max(0, Date.now() - limits.ttlSeconds * 1000)}-0`;
  const args = [limits.dedupeTtlSeconds, limits.maxLen, limits.ttlSeconds, minId, fanoutChannel(), receivedAt, body, ...userIds];
  const out = await evalScript(redis, APPEND_SHA, APPEND_SCRIPT, keys, args);
  if (out === null) return null;
  const flat = out as string[];
  const appended: Appended[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) appended.push({ userId: flat[i]!, id: flat[i + 1]!, prev: flat[i + 2]! });
  return appended;
}

export interface StoredMessage {
  id: string;
  body: string;
  /** Id of the entry before this one when it was appended ('0-0' for the first). */
  prev: string;
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Entries of a user's stream strictly after `afterId`, oldest first. */
export async function readAfter(redis: Redis, userId: string, afterId: string, count = 1000): Promise<StoredMessage[]> {
  const start = afterId === '0-0' ? '-' : `(${afterId}`;
  const rows = (await redis.xrange(streamKey(userId), start, '+', 'COUNT', count)) as [string, string[]][];
  const out: StoredMessage[] = [];
  for (const [id, fields] of rows) {
    const body = field(fields, 'm');
    if (body !== undefined) out.push({ id, body, prev: field(fields, 'p') ?? '0-0' });
  }
  return out;
}

/**
 * Whether resuming after `since` loses something to trimming, given the first entries
 * after it (`rows`, as readAfter returns them). Each entry records its predecessor, so if
 * the first entry after `since` has a predecessor newer than `since`, that predecessor
 * (and anything between) was trimmed: returns its id, the last message lost. Exact, and
 * no extra round trip.
 */
export function lostBetween(since: string, rows: readonly StoredMessage[], ttlSeconds: number, now = Date.now()): string | null {
  const first = rows[0];
  if (first) return compareIds(first.prev, since) > 0 ? first.prev : null;
  // Nothing after `since`: either nothing happened, or the stream expired after a whole
  // TTL without appends. Only a resume point older than the TTL can have lost anything.
  return since !== '0-0' && idTime(since) < now - ttlSeconds * 1000 ? since : null;
}

/** Id of the newest entry of a user's stream, '0-0' if there is none. */
export async function lastId(redis: Redis, userId: string): Promise<string> {
  const rows = (await redis.xrevrange(streamKey(userId), '+', '-', 'COUNT', 1)) as [string, string[]][];
  return rows[0]?.[0] ?? '0-0';
}
