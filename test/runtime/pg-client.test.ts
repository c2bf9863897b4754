/**
 * PreparedStatementsPgClient (runtime/pg-client.ts) against the real PostgreSQL: statements
 * with bindings run as named prepared statements, and a table whose columns change under a
 * running process does not break them for good.
 */
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../platform/config.js';
import { PreparedStatementsPgClient } from '../../platform/pg-client.js';

const schema = `${config().PG_SCHEMA_PREFIX}pgclient`;
const table = `${schema}.items`;
let knex: Knex;

/** The statements prepared on the connection a transaction runs on. */
async function prepared(trx: Knex.Transaction): Promise<{ name: string; statement: string }[]> {
  const res = (await trx.raw('select name, statement from pg_prepared_statements')) as { rows: { name: string; statement: string }[] };
  return res.rows;
}

beforeAll(async () => {
  knex = knexFactory({ client: PreparedStatementsPgClient, connection: config().DATABASE_URL, pool: { min: 1, max: 1 } });
  await knex.raw('drop schema if exists ?? cascade', [schema]);
  await knex.raw('create schema ??', [schema]);
  await knex.schema.withSchema(schema).createTable('items', (t) => {
    t.integer('id').primary();
    t.text('name').notNullable();
  });
  await knex(table).insert([
    { id: 1, name: 'one' },
    { id: 2, name: 'two' },
  ]);
});

afterAll(async () => {
  await knex.raw('drop schema if exists ?? cascade', [schema]);
  await knex.destroy();
});

describe('PreparedStatementsPgClient', () => {
  it('runs a statement with bindings as one named statement, reused by every call; one without bindings unnamed', async () => {
    await knex.transaction(async (trx) => {
      const before = (await prepared(trx)).length;
      for (const id of [1, 2, 1]) {
        const row = (await trx(table).where({ id }).first()) as { name: string };
        expect(row.name).toBe(id === 1 ? 'one' : 'two');
      }
      await trx.raw(`select count(*) from ${schema}.items`);
      const after = await prepared(trx);
      const mine = after.filter((s) => s.statement.startsWith(`select * from "${schema}"."items"`));
      expect(mine).toHaveLength(1);
      expect(mine[0]!.name).toMatch(/^mr_\d+$/);
      expect(mine[0]!.statement).toContain('where "id" = $1');
      // the three selects and pg_prepared_statements' own query: no statement per call
      expect(after.length - before).toBeLessThanOrEqual(2);
    });
  });

  it('survives a column added under it: retried at once outside a transaction', async () => {
    const read = () => knex(table).where({ id: 1 }).first() as Promise<Record<string, unknown>>;
    expect(await read()).toEqual({ id: 1, name: 'one' });
    await knex.schema.withSchema(schema).alterTable('items', (t) => t.text('colour').defaultTo('red'));
    // PostgreSQL refuses the old plan of the `select *` ("cached plan must not change result
    // type"); the client prepares it again under a new name and answers.
    expect(await read()).toEqual({ id: 1, name: 'one', colour: 'red' });
  });

  it('inside a transaction the error stands (the transaction is aborted), and the next attempt works', async () => {
    const read = (q: Knex | Knex.Transaction) => q(table).where({ id: 2 }).first() as Promise<Record<string, unknown>>;
    expect(await read(knex)).toMatchObject({ id: 2, name: 'two' });
    await knex.schema.withSchema(schema).alterTable('items', (t) => t.integer('seats').defaultTo(4));
    await expect(knex.transaction((trx) => read(trx))).rejects.toMatchObject({ code: '0A000' });
    expect(await knex.transaction((trx) => read(trx))).toEqual({ id: 2, name: 'two', colour: 'red', seats: 4 });
  });
});
