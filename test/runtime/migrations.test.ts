import { afterAll, describe, expect, it } from 'vitest';
import { migrateAll, serviceMigrations } from '../../functions/migrations.js';
import { migrate } from '../../platform/migrate.js';
import { db, schemaName, closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../helpers/platform.js';

afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

describe('migrations', () => {
  it('run twice (and concurrently) are harmless', async () => {
    await Promise.all([migrateAll(), migrateAll()]);
    for (const [service, list] of Object.entries(serviceMigrations)) {
      expect(await migrate(service, list)).toEqual([]); // nothing left to apply
      const done = await db().withSchema(schemaName(service)).table('knex_migrations').select('name');
      expect(done.map((r: { name: string }) => r.name)).toEqual(list.map((m) => m.name));
    }
  });
});
