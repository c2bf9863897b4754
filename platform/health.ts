/**
 * Liveness says the process is up; readiness says this function can do its work now:
 * each store it declares in the catalog answers within a second, and it is not draining.
 */
import type { Store } from '../contracts/catalog-types.js';
import { db, redis, mongo } from './clients.js';

const checks: Record<Store, () => Promise<unknown>> = {
  postgres: () => db().raw('select 1'),
  redis: () => redis().ping(),
  mongo: () => mongo().command({ ping: 1 }),
};

let draining = false;
export const markDraining = () => {
  draining = true;
};
export const isDraining = () => draining;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
}

export async function readiness(stores: readonly Store[]): Promise<Readiness> {
  const results = await Promise.all(
    stores.map(async (s) => {
      try {
        await withTimeout(checks[s](), 1_000);
        return [s, 'ok'] as const;
      } catch (err) {
        return [s, `down: ${(err as Error).message}`] as const;
      }
    }),
  );
  const out: Record<string, string> = Object.fromEntries(results);
  if (draining) out.shutdown = 'draining';
  return { ready: !draining && results.every(([, r]) => r === 'ok'), checks: out };
}
