/**
 * Starts the whole local platform in this test worker (own schemas, Redis prefix,
 * broker names — see test/setup/isolation.ts) and tears it down with everything it made.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPlatform, type Platform } from '../../local/platform.js';
import { catalog } from '../../functions/catalog.js';
import type { Service } from '../../functions/catalog-types.js';
import { closeClients, redis, mongoClient, mongoInUse } from '../../functions/runtime/clients.js';
import { dropSchema } from '../../functions/runtime/migrate.js';
import { serviceMigrations } from '../../functions/migrations.js';
import { config } from '../../functions/runtime/config.js';

/**
 * HTTP-only (no broker, no notifier): for tests of request handling; the event path has
 * its own tests. `services` limits the gateway to those services' functions.
 */
export function usePlatform(services?: readonly Service[]): { readonly url: string; readonly platform: Platform } {
  let platform: Platform | undefined;
  beforeAll(async () => {
    platform = await startPlatform({
      port: 0,
      eventing: false,
      notifier: false,
      ...(services ? { functions: catalog.filter((f) => services.includes(f.service)) } : {}),
    });
  });
  afterAll(async () => {
    await platform?.close();
    await cleanupStores();
    await closeClients();
  });
  return {
    get url() {
      if (!platform) throw new Error('platform not started');
      return platform.url;
    },
    get platform() {
      if (!platform) throw new Error('platform not started');
      return platform;
    },
  };
}

/** Drops what this worker created: its schemas, its Redis keys, its MongoDB database. */
export async function cleanupStores(): Promise<void> {
  for (const service of Object.keys(serviceMigrations)) await dropSchema(service);
  const prefix = config().REDIS_PREFIX;
  if (prefix.startsWith('t')) {
    let cursor = '0';
    do {
      const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis().unlink(...keys);
    } while (cursor !== '0');
  }
  if (mongoInUse() && process.env.MICRORIDE_TEST_ID && config().MONGO_DB === process.env.MICRORIDE_TEST_ID) {
    await mongoClient().db(config().MONGO_DB).dropDatabase().catch(() => undefined);
  }
}
