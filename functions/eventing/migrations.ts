import type { Migration } from '../../platform/migrate.js';

export const migrations: readonly Migration[] = [
  {
    name: '001_dead_letters',
    async up(knex, s) {
      await knex.schema.withSchema(s).createTable('dead_letters', (t) => {
        t.text('source').notNullable();
        t.text('id').notNullable();
        t.text('type').notNullable();
        t.text('subject');
        // knativeerrordest: the subscriber (or the ingress, for a reply) that failed.
        t.text('error_dest').notNullable();
        // knativeerrorcode: the last HTTP status (500 for a network error).
        t.integer('error_code');
        // knativeerrordata as received (base64 of the last response body, ≤ 1 KiB).
        t.text('error_data');
        // The same, decoded, when it is text.
        t.text('error_text');
        // The whole event in structured form, data included.
        t.jsonb('event').notNullable();
        t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        // One row per event per failed destination: redeliveries of the dead letter are no-ops.
        t.primary(['source', 'id', 'error_dest']);
        t.index(['received_at']);
        t.index(['type']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('dead_letters');
    },
  },
  {
    // The operations console names a dead letter by one id (an event can fail at several
    // destinations, so the event id is not one) and shows whether it was replayed.
    name: '002_dead_letter_replay',
    async up(knex, s) {
      await knex.schema.withSchema(s).alterTable('dead_letters', (t) => {
        t.uuid('row_id').notNullable().defaultTo(knex.raw('gen_random_uuid()')).unique();
        t.integer('replays').notNullable().defaultTo(0);
        t.timestamp('replayed_at', { useTz: true });
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).alterTable('dead_letters', (t) => {
        t.dropColumn('replayed_at');
        t.dropColumn('replays');
        t.dropColumn('row_id');
      });
    },
  },
];
