/** Removes a test or bench run's data from every store (no test-runner imports: benches use it too). */
import { redis, mongoClient, mongoInUse } from '../platform/clients.js';
import { dropSchema } from '../platform/migrate.js';
import { serviceMigrations } from '../functions/migrations.js';
import { config, configSchema } from '../platform/config.js';

/**
 * Drops what this run created: its schemas, its Redis keys, its MongoDB database. Only
 * per-run namespaces are swept (tests and benches set their own prefixes); the default,
 * shared namespace of `npm start` is never touched.
 */
export async function cleanupStores(): Promise<void> {
  const defaults = configSchema.parse({});
  const cfg = config();
  if (cfg.PG_SCHEMA_PREFIX !== defaults.PG_SCHEMA_PREFIX) {
    for (const service of Object.keys(serviceMigrations)) await dropSchema(service);
  }
  if (cfg.REDIS_PREFIX !== defaults.REDIS_PREFIX && cfg.REDIS_PREFIX !== '') {
    let cursor = '0';
    do {
      const [next, keys] = await redis().scan(cursor, 'MATCH', `${cfg.REDIS_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis().unlink(...keys);
    } while (cursor !== '0');
  }
  if (mongoInUse() && cfg.MONGO_DB !== defaults.MONGO_DB) {
    await mongoClient().db(cfg.MONGO_DB).dropDatabase().catch(() => undefined);
  }
}
