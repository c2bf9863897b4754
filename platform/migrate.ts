/**
 * Per-service knex migrations. Each service lists its migrations in code (no directory
 * scanning, so bundles carry them) and owns one PostgreSQL schema; migration state
 * lives in that schema too, so services migrate independently and twice is a no-op.
 */
import type { Knex } from 'knex';
import { db, schemaName } from './clients.js';

export interface Migration {
  name: string;
  up(knex: Knex, schema: string): Promise<void>;
  down(knex: Knex, schema: string): Promise<void>;
}

export async function migrate(service: string, migrations: readonly Migration[]): Promise<string[]> {
  const schema = schemaName(service);
  const knex = db();
  const source: Knex.MigrationSource<Migration> = {
    getMigrations: async () => [...migrations],
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({ up: (k: Knex) => m.up(k, schema), down: (k: Knex) => m.down(k, schema) }),
  };
  // knex's own lock table does not cover creating that table: two pods starting at once
  // would race on it. A transaction-scoped advisory lock per schema serialises them.
  const lockKey = `microride.migrate.${schema}`;
  await knex.transaction(async (t) => {
    await t.raw('select pg_advisory_xact_lock(hashtext(?))', [lockKey]);
    await t.raw('create schema if not exists ??', [schema]);
  });
  return knex.transaction(async (lock) => {
    await lock.raw('select pg_advisory_xact_lock(hashtext(?))', [lockKey]);
    const [, applied] = (await knex.migrate.latest({
      migrationSource: source,
      schemaName: schema,
      tableName: 'knex_migrations',
    })) as [number, string[]];
    return applied;
  });
}

/** Drops a service schema (tests clean up after themselves). */
export async function dropSchema(service: string): Promise<void> {
  await db().raw('drop schema if exists ?? cascade', [schemaName(service)]);
}
