import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from './problem.js';
import { rkey } from './clients.js';
import { hitLimits, tooManyRequests } from './rate-limit.js';

/** A Redis whose MULTI keeps counters and windows in memory, at a clock the test moves. */
function fakeRedis() {
  let now = 0;
  const counters = new Map<string, { n: number; until: number | undefined }>();
  const commands: string[] = [];
  const live = (k: string) => {
    const c = counters.get(k);
    if (c && c.until !== undefined && c.until <= now) counters.delete(k);
    return counters.get(k);
  };
  const client = {
    multi() {
      const ops: (() => [null, number])[] = [];
      const chain = {
        incr(k: string) {
          commands.push(`incr ${k}`);
          ops.push(() => {
            const c = live(k) ?? { n: 0, until: undefined };
            c.n += 1;
            counters.set(k, c);
            return [null, c.n];
          });
          return chain;
        },
        pexpire(k: string, ms: number, mode: string) {
          commands.push(`pexpire ${k} ${ms} ${mode}`);
          ops.push(() => {
            const c = live(k)!;
            if (c.until !== undefined) return [null, 0];
            c.until = now + ms;
            return [null, 1];
          });
          return chain;
        },
        pttl(k: string) {
          ops.push(() => [null, (live(k)?.until ?? now) - now]);
          return chain;
        },
        exec: async () => ops.map((op) => op()),
      };
      return chain;
    },
  };
  return { client: client as unknown as Redis, commands, advance: (ms: number) => void (now += ms) };
}

const perMinute = { what: 'quotes', setting: 'QUOTE_RATE_LIMIT', key: ['quote', 'user', 'u1'], max: 3, windowMs: 60_000 };

describe('platform rate limits', () => {
  it('lets max hits through per window, refuses the next with 429 naming the limit and Retry-After, and opens a new window after', async () => {
    const r = fakeRedis();
    for (let i = 0; i < 3; i++) await hitLimits([perMinute], r.client);
    r.advance(20_500);
    const err = await hitLimits([perMinute], r.client).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    const p = err as HttpProblem;
    expect(p.status).toBe(429);
    expect(p.detail).toBe('too many quotes; retry in 40 s');
    expect(p.extra).toMatchObject({ limit: 'QUOTE_RATE_LIMIT', retryAfterSeconds: 40, headers: { 'retry-after': '40' } });
    expect(p.toJSON()).toMatchObject({ status: 429, limit: 'QUOTE_RATE_LIMIT' });
    r.advance(39_500);
    await expect(hitLimits([perMinute], r.client)).resolves.toBeUndefined();
  });

  it('starts a window on its first hit only (PEXPIRE NX), so refused hits do not push it out', async () => {
    const r = fakeRedis();
    await hitLimits([perMinute], r.client);
    expect(r.commands).toEqual([`incr ${rkey('ratelimit', 'quote', 'user', 'u1')}`, `pexpire ${rkey('ratelimit', 'quote', 'user', 'u1')} 60000 NX`]);
    // Refused hits in the window's last second do not extend it: the next window opens on time.
    r.advance(59_000);
    for (let i = 0; i < 3; i++) await hitLimits([perMinute], r.client).catch(() => undefined);
    r.advance(1_000);
    await expect(hitLimits([perMinute], r.client)).resolves.toBeUndefined();
  });

  it('as max 1 per W ms, is a minimum interval between accepted hits', async () => {
    const r = fakeRedis();
    const ping = { what: 'location pings', setting: 'LOCATION_MIN_INTERVAL_MS', key: ['location', 'driver', 'd1'], max: 1, windowMs: 1000 };
    await hitLimits([ping], r.client);
    r.advance(300);
    const err = (await hitLimits([ping], r.client).catch((e: unknown) => e)) as HttpProblem;
    expect(err.status).toBe(429);
    expect(err.extra.headers).toEqual({ 'retry-after': '1' }); // 700 ms left, rounded up to whole seconds
    r.advance(700);
    await expect(hitLimits([ping], r.client)).resolves.toBeUndefined();
  });

  it('checks every limit in one round trip and names the first one over', async () => {
    const r = fakeRedis();
    const a = { ...perMinute, key: ['a'], max: 5, what: 'a', setting: 'A_LIMIT' };
    const b = { ...perMinute, key: ['b'], max: 1, what: 'b', setting: 'B_LIMIT' };
    await hitLimits([a, b], r.client);
    const err = (await hitLimits([a, b], r.client).catch((e: unknown) => e)) as HttpProblem;
    expect(err.extra.limit).toBe('B_LIMIT');
  });

  it('treats a zero interval or maximum as off and does not touch Redis', async () => {
    const r = fakeRedis();
    await hitLimits([{ ...perMinute, windowMs: 0 }, { ...perMinute, max: 0 }], r.client);
    expect(r.commands).toEqual([]);
  });

  it('never answers Retry-After below 1 s', () => {
    expect(tooManyRequests({ what: 'x', setting: 'X' }, 0).extra.headers).toEqual({ 'retry-after': '1' });
  });
});
