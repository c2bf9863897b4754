import type { Migration } from '../../platform/migrate.js';
import { outboxMigration, outboxPublishOnCommitMigration } from '../../platform/events/outbox.js';
import { processedEventsMigration } from '../../platform/events/idempotency.js';

export const migrations: readonly Migration[] = [
  {
    name: '001_payments',
    async up(knex, s) {
      await knex.raw('create extension if not exists pgcrypto');
      await knex.schema.withSchema(s).createTable('payments', (t) => {
        t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
        t.uuid('ride_id').notNullable().index();
        t.uuid('rider_id').notNullable();
        t.uuid('driver_id');
        t.text('kind').notNullable().checkIn(['fare', 'cancellation_fee', 'refund']);
        t.integer('amount').notNullable().checkPositive();
        t.text('currency').notNullable();
        t.text('status').notNullable().checkIn(['pending', 'succeeded', 'failed', 'refunded']);
        t.integer('attempts').notNullable().defaultTo(0);
        // Every money-moving call has one: a redelivered event or a double click finds the row.
        t.text('idempotency_key').notNullable().unique();
        t.uuid('refund_of').references('id').inTable(`${s}.payments`);
        t.integer('refunded_amount').notNullable().defaultTo(0);
        t.text('reason');
        t.text('last_message');
        // What the receipt shows (distance, duration) as the triggering event told it.
        t.jsonb('details').notNullable().defaultTo('{}');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      await knex.raw('alter table ??.payments add constraint payments_refund_bounds check (refunded_amount between 0 and amount)', [s]);
      await knex.schema.withSchema(s).createTable('payment_attempts', (t) => {
        t.bigIncrements('id');
        t.uuid('payment_id').notNullable().references('id').inTable(`${s}.payments`).onDelete('cascade');
        t.integer('attempt').notNullable();
        t.text('outcome').notNullable().checkIn(['succeeded', 'failed', 'pending']);
        t.text('decided_by').notNullable().checkIn(['gateway', 'simulate']);
        t.text('message');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('settled_at', { useTz: true });
        t.unique(['payment_id', 'attempt']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('payment_attempts');
      await knex.schema.withSchema(s).dropTableIfExists('payments');
    },
  },
  outboxMigration('002_outbox'),
  processedEventsMigration('003_processed_events'),
  outboxPublishOnCommitMigration('004_outbox_publish_on_commit'),
  {
    name: '005_disputes',
    async up(knex, s) {
      await knex.schema.withSchema(s).createTable('disputes', (t) => {
        t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
        t.uuid('ride_id').notNullable();
        t.uuid('rider_id').notNullable();
        // The fare charge disputed: a refund is a refund of it.
        t.uuid('payment_id').notNullable().references('id').inTable(`${s}.payments`);
        t.text('reason').notNullable();
        t.text('status').notNullable().defaultTo('open').checkIn(['open', 'refunded', 'rejected']);
        t.uuid('refund_id').references('id').inTable(`${s}.payments`);
        t.integer('refund_amount');
        t.text('note');
        t.uuid('resolved_by');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('resolved_at', { useTz: true });
        t.index(['status', 'created_at']);
      });
      // One open dispute per ride, kept by the database rather than a check-then-insert.
      await knex.raw(`create unique index disputes_one_open on ??.disputes (ride_id) where status = 'open'`, [s]);
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('disputes');
    },
  },
];
