import type { Migration } from '../../platform/migrate.js';
import { outboxMigration, outboxPublishOnCommitMigration } from '../../platform/events/outbox.js';

export const migrations: readonly Migration[] = [
  {
    name: '001_users_and_sessions',
    async up(knex, s) {
      await knex.raw('create extension if not exists pgcrypto');
      await knex.schema.withSchema(s).createTable('users', (t) => {
        t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
        t.text('email').notNullable();
        t.text('name').notNullable();
        t.text('role').notNullable().checkIn(['rider', 'driver', 'admin']);
        t.text('password_hash').notNullable();
        t.text('status').notNullable().defaultTo('active').checkIn(['active', 'disabled']);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      // Case-insensitive uniqueness, enforced by the database rather than a check-then-insert.
      await knex.raw('create unique index users_email_lower_key on ??.users (lower(email))', [s]);
      // A session is one refresh-token family; revoking it kills every token in it.
      await knex.schema.withSchema(s).createTable('sessions', (t) => {
        t.uuid('id').primary();
        t.uuid('user_id').notNullable().references('id').inTable(`${s}.users`).onDelete('cascade');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('revoked_at', { useTz: true });
        t.text('revoked_reason');
      });
      await knex.schema.withSchema(s).createTable('refresh_tokens', (t) => {
        t.uuid('id').primary();
        t.uuid('session_id').notNullable().references('id').inTable(`${s}.sessions`).onDelete('cascade');
        t.text('token_hash').notNullable().unique();
        t.timestamp('expires_at', { useTz: true }).notNullable();
        t.timestamp('used_at', { useTz: true });
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.index(['session_id']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('refresh_tokens');
      await knex.schema.withSchema(s).dropTableIfExists('sessions');
      await knex.schema.withSchema(s).dropTableIfExists('users');
    },
  },
  outboxMigration('002_outbox'),
  outboxPublishOnCommitMigration('003_outbox_publish_on_commit'),
];
