/**
 * knex's PostgreSQL client, with every parameterised statement sent as a named
 * (server-side prepared) statement. PostgreSQL then parses a statement once per connection
 * instead of on every call, and can keep a generic plan: planning looks up the size of
 * every table and index a statement touches (an lseek each), which was the largest share
 * of the server's system calls under `npm run bench -- rides` (docs/performance.md).
 *
 * - Names come from the statement's text, one per distinct text on each connection, and stop
 *   after MAX_NAMED texts there: statements with a varying shape (an `in` list of any length) would
 *   otherwise fill every connection with statements used once.
 * - A table whose columns change under a running process (a migration adds one) makes
 *   PostgreSQL refuse the old plan of a `select *` with "cached plan must not change result
 *   type". The statement then gets a fresh name; outside a transaction it is retried at
 *   once, inside one the error stands (the transaction is aborted anyway) and the next
 *   attempt prepares it anew.
 * - PG_PREPARED_STATEMENTS=false turns it off, for a pooler in transaction mode that does
 *   not track prepared statements.
 */
import PgClient from 'knex/lib/dialects/postgres/index.js';

const MAX_NAMED = 500;
const PLAN_CHANGED = '0A000';

interface QueryObject {
  sql: string;
  bindings?: readonly unknown[];
  options?: Record<string, unknown>;
}

interface Names {
  byText: Map<string, string>;
  next: number;
}

/**
 * Per connection, as PostgreSQL keeps prepared statements: knex clones its client for
 * transactions and migrations (sharing the pool), so no client-side object sees every
 * statement a connection has prepared, while the connection itself does.
 */
const namesOf = new WeakMap<object, Names>();

function namesOfConnection(connection: object): Names {
  let names = namesOf.get(connection);
  if (!names) {
    names = { byText: new Map(), next: 0 };
    namesOf.set(connection, names);
  }
  return names;
}

function nameOf(names: Names, sql: string): string | undefined {
  let name = names.byText.get(sql);
  if (name === undefined && names.byText.size < MAX_NAMED) {
    name = `mr_${names.next++}`;
    names.byText.set(sql, name);
  }
  return name;
}

export class PreparedStatementsPgClient extends PgClient {
  override query(connection: object, obj: QueryObject | string): Promise<unknown> {
    if (typeof obj === 'string' || !obj.bindings?.length || obj.options?.name !== undefined) return super.query(connection, obj) as Promise<unknown>;
    const names = namesOfConnection(connection);
    const name = nameOf(names, obj.sql);
    if (name === undefined) return super.query(connection, obj) as Promise<unknown>;
    const sql = obj.sql;
    const first = { ...obj, options: { ...obj.options, name } };
    return (super.query(connection, first) as Promise<unknown>).catch((err: unknown) => {
      if ((err as { code?: string }).code !== PLAN_CHANGED || names.byText.get(sql) !== name) throw err;
      names.byText.delete(sql);
      // knex marks the client it makes for a transaction; an aborted transaction takes no retry.
      if ((this as { transacting?: boolean }).transacting) throw err;
      const retry = nameOf(names, sql);
      return super.query(connection, { ...obj, options: { ...obj.options, ...(retry ? { name: retry } : {}) } }) as Promise<unknown>;
    });
  }
}
