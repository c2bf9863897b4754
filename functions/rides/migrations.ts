import type { Migration } from '../../platform/migrate.js';
import { outboxMigration, outboxPublishOnCommitMigration } from '../../platform/events/outbox.js';
import { processedEventsMigration } from '../../platform/events/idempotency.js';

export const rideStatuses = ['scheduled', 'requested', 'matching', 'accepted', 'arrived', 'in_progress', 'completed', 'cancelled', 'expired'] as const;

export const migrations: readonly Migration[] = [
  {
    name: '001_rides',
    async up(knex, s) {
      await knex.raw('create extension if not exists pgcrypto');
      await knex.schema.withSchema(s).createTable('rides', (t) => {
        t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
        t.uuid('rider_id').notNullable();
        t.uuid('driver_id'); // the driver's user id, set by the accept CAS
        // The states of the first release; 006 widens the check to rideStatuses.
        t.text('status').notNullable().checkIn(['requested', 'matching', 'accepted', 'arrived', 'in_progress', 'completed', 'cancelled', 'expired']);
        t.text('vehicle_class').notNullable().checkIn(['economy', 'comfort', 'xl']);
        t.double('pickup_lat').notNullable();
        t.double('pickup_lon').notNullable();
        t.double('dropoff_lat').notNullable();
        t.double('dropoff_lon').notNullable();
        // The verified quote as issued (fare, tariff, surge, distance…): the final fare is computed from it.
        t.jsonb('quote').notNullable();
        t.text('currency').notNullable();
        t.integer('quoted_amount').notNullable();
        t.integer('final_amount');
        t.integer('distance_meters');
        t.integer('duration_seconds');
        t.text('fare_basis').checkIn(['measured', 'quoted']);
        t.text('cancelled_by').checkIn(['rider', 'driver', 'system']);
        t.text('cancel_reason');
        t.integer('cancel_fee');
        t.smallint('rating_stars');
        t.text('rating_comment');
        t.text('idempotency_key').notNullable();
        t.text('request_hash').notNullable();
        t.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('accepted_at', { useTz: true });
        t.timestamp('arrived_at', { useTz: true });
        t.timestamp('started_at', { useTz: true });
        t.timestamp('completed_at', { useTz: true });
        t.timestamp('cancelled_at', { useTz: true });
        t.timestamp('expired_at', { useTz: true });
        t.timestamp('rated_at', { useTz: true });
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
      // The one-active-ride rules live here, not in a check-then-write: concurrent requests
      // and accepts race on these indexes and the loser gets 23505 (→ 409).
      await knex.raw(
        `create unique index rides_one_active_per_rider on ??.rides (rider_id)
         where status in ('requested', 'matching', 'accepted', 'arrived', 'in_progress')`,
        [s],
      );
      await knex.raw(
        `create unique index rides_one_active_per_driver on ??.rides (driver_id)
         where status in ('accepted', 'arrived', 'in_progress')`,
        [s],
      );
      await knex.raw('create unique index rides_idempotency_key on ??.rides (rider_id, idempotency_key)', [s]);
      await knex.raw('create index rides_rider_history on ??.rides (rider_id, requested_at desc, id desc)', [s]);
      await knex.raw('create index rides_driver_history on ??.rides (driver_id, requested_at desc, id desc) where driver_id is not null', [s]);
      // The sweep looks for rides still waiting for a driver.
      await knex.raw(`create index rides_waiting on ??.rides (requested_at) where status in ('requested', 'matching')`, [s]);

      // Offers are rides' data (rides alone decides who may accept); matching only chooses whom.
      await knex.schema.withSchema(s).createTable('offers', (t) => {
        t.uuid('ride_id').notNullable().references('id').inTable(`${s}.rides`).onDelete('cascade');
        t.uuid('driver_id').notNullable();
        t.integer('round').notNullable();
        t.timestamp('expires_at', { useTz: true }).notNullable();
        t.timestamp('declined_at', { useTz: true });
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.primary(['ride_id', 'driver_id']);
        t.index(['driver_id']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('offers');
      await knex.schema.withSchema(s).dropTableIfExists('rides');
    },
  },
  outboxMigration('002_outbox'),
  processedEventsMigration('003_processed_events'),
  outboxPublishOnCommitMigration('004_outbox_publish_on_commit'),
  {
    // Upfront pricing (pricing.ts): why the final fare is what it is, shown on the ride and the receipt.
    name: '005_fare_reason',
    async up(knex, s) {
      await knex.schema.withSchema(s).alterTable('rides', (t) => t.text('fare_reason'));
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).alterTable('rides', (t) => t.dropColumn('fare_reason'));
    },
  },
  {
    // Rides booked for later (`scheduled` until the lead time before scheduled_for), and
    // when the current matching began: the request, the start of a scheduled ride, or a
    // driver's cancellation that sent the ride back to matching. The expiry counts from it.
    name: '006_scheduled_and_rematch',
    async up(knex, s) {
      await knex.raw('alter table ??.rides drop constraint if exists rides_status_check', [s]);
      // DDL takes no bind parameters; the states are this file's own constants.
      await knex.raw(`alter table ??.rides add constraint rides_status_check check (status in (${rideStatuses.map((x) => `'${x}'`).join(', ')}))`, [s]);
      await knex.schema.withSchema(s).alterTable('rides', (t) => {
        t.timestamp('scheduled_for', { useTz: true });
        t.timestamp('matching_since', { useTz: true });
      });
      await knex.raw(`create index rides_scheduled_due on ??.rides (scheduled_for) where status = 'scheduled'`, [s]);
    },
    async down(knex, s) {
      await knex.raw('drop index if exists ??.rides_scheduled_due', [s]);
      await knex.schema.withSchema(s).alterTable('rides', (t) => {
        t.dropColumn('scheduled_for');
        t.dropColumn('matching_since');
      });
    },
  },
  {
    // The rider's journey: who is coming (the driver's card, a snapshot at acceptance), the
    // code the rider gives the driver at pickup, and the links a rider shares the trip by.
    name: '007_driver_card_pickup_code_shares',
    async up(knex, s) {
      await knex.schema.withSchema(s).alterTable('rides', (t) => {
        t.jsonb('driver_card');
        // Shown to the rider only (toRide's riderView); compared by the start statement.
        t.text('pickup_code');
      });
      await knex.schema.withSchema(s).createTable('shares', (t) => {
        // sha256 of the token: the token itself is only ever in the rider's hands.
        t.text('token_hash').primary();
        t.uuid('ride_id').notNullable().references('id').inTable(`${s}.rides`).onDelete('cascade');
        t.uuid('rider_id').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('expires_at', { useTz: true }).notNullable();
        t.timestamp('revoked_at', { useTz: true });
        t.index(['ride_id']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('shares');
      await knex.schema.withSchema(s).alterTable('rides', (t) => {
        t.dropColumn('pickup_code');
        t.dropColumn('driver_card');
      });
    },
  },
];
