/**
 * Fixed-window request limits in Redis, shared by every service that limits callers
 * (accounts: login and registration; analysis: quotes; tracking: location pings).
 *
 * One MULTI round trip per check: INCR the window's counter, start its expiry on the
 * first hit only (PEXPIRE … NX, so later hits do not push the window out), read what is
 * left of it (PTTL). A window's counter expires on its own; nothing has to clean up. Over
 * the limit is a 429 naming the limit, with Retry-After (whole seconds, rounded up).
 *
 * A limit of 1 per W ms is a minimum interval: the first hit opens the window, every
 * other hit inside it is refused, and the next one accepted comes at least W ms later.
 */
import type { Redis } from 'ioredis';
import { redis, rkey } from './clients.js';
import { HttpProblem } from './problem.js';

export interface Limit {
  /** What is being counted, for the 429's detail: e.g. "registrations from this address". */
  what: string;
  /** The setting that sets the limit (named in the 429 body as `limit`), e.g. REGISTER_RATE_LIMIT. */
  setting: string;
  /** Key parts under `ratelimit:`; one counter per distinct key. */
  key: readonly (string | number)[];
  /** Hits allowed per window. */
  max: number;
  windowMs: number;
}

/** The 429 a limit answers with: detail and `limit` name it; Retry-After says when to come back. */
export function tooManyRequests(l: Pick<Limit, 'what' | 'setting'>, retryAfterMs: number, detail?: string): HttpProblem {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new HttpProblem(429, `${detail ?? `too many ${l.what}`}; retry in ${retryAfter} s`, {
    limit: l.setting,
    retryAfterSeconds: retryAfter,
    headers: { 'retry-after': String(retryAfter) },
  });
}

/**
 * Counts one hit against each limit (all in one round trip) and throws the 429 of the
 * first one over its maximum. A limit with max or windowMs ≤ 0 is off and not counted.
 */
export async function hitLimits(limits: readonly (Limit & { detail?: string })[], client: Redis = redis()): Promise<void> {
  const on = limits.filter((l) => l.max > 0 && l.windowMs > 0);
  if (on.length === 0) return;
  const pipeline = client.multi();
  for (const l of on) {
    const k = rkey('ratelimit', ...l.key);
    pipeline.incr(k).pexpire(k, l.windowMs, 'NX').pttl(k);
  }
  const res = (await pipeline.exec()) ?? [];
  on.forEach((l, i) => {
    const count = Number(res[i * 3]?.[1] ?? 0);
    if (count <= l.max) return;
    const pttl = Number(res[i * 3 + 2]?.[1] ?? l.windowMs);
    throw tooManyRequests(l, pttl > 0 ? pttl : l.windowMs, l.detail);
  });
}
