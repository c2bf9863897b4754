/**
 * Fixed-window login limits in Redis, per email and per client IP. A window's counter
 * expires on its own; the reply says how long to wait (Retry-After).
 */
import { redis, rkey } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { HttpProblem } from '../../platform/problem.js';

/** An IP serves many people (NAT, offices): it gets several times the per-email allowance. */
const IP_FACTOR = 5;

export async function checkLoginRate(email: string, ip: string): Promise<void> {
  const { LOGIN_RATE_LIMIT: limit, LOGIN_RATE_WINDOW_SECONDS: window } = config();
  const keys = [rkey('ratelimit', 'login', 'email', email.toLowerCase()), rkey('ratelimit', 'login', 'ip', ip)];
  const pipeline = redis().multi();
  for (const k of keys) pipeline.incr(k).expire(k, window, 'NX').ttl(k);
  const res = (await pipeline.exec()) ?? [];
  const count = (i: number) => Number(res[i * 3]?.[1] ?? 0);
  const ttl = (i: number) => Math.max(1, Number(res[i * 3 + 2]?.[1] ?? window));
  if (count(0) > limit) throw tooMany('too many login attempts for this email', ttl(0));
  if (count(1) > limit * IP_FACTOR) throw tooMany('too many login attempts from this address', ttl(1));
}

const tooMany = (detail: string, retryAfter: number) =>
  new HttpProblem(429, `${detail}; retry in ${retryAfter} s`, { headers: { 'retry-after': String(retryAfter) } });
