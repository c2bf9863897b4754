/**
 * Runs a Lua script by its SHA (EVALSHA) and loads it on NOSCRIPT. Scripts are how we get
 * atomic read-decide-write steps on Redis without WATCH retry loops; the SHA saves sending
 * the body on every call of a hot path (e.g. a driver's position every few seconds).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LuaScript {
  source: string;
  sha: string;
}

export const lua = (source: string): LuaScript => ({ source, sha: createHash('sha1').update(source).digest('hex') });

export async function runScript(client: Redis, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
