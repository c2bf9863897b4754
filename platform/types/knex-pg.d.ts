// knex ships its PostgreSQL dialect without typings; the class is knex's base Client.
declare module 'knex/lib/dialects/postgres/index.js' {
  import type { Knex } from 'knex';
  const PgClient: typeof Knex.Client;
  export default PgClient;
}
