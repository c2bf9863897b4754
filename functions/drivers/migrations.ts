import type { Migration } from '../../platform/migrate.js';
import { outboxMigration, outboxPublishOnCommitMigration } from '../../platform/events/outbox.js';
import { createTripFunctions, dropTripFunctions } from './trip-functions.js';

export const migrations: readonly Migration[] = [
  {
    name: '001_drivers',
    async up(knex, s) {
      await knex.raw('create extension if not exists pgcrypto');
      await knex.schema.withSchema(s).createTable('drivers', (t) => {
        t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
        t.uuid('user_id').notNullable().unique(); // one profile per account
        t.text('display_name').notNullable();
        t.text('license_number').notNullable();
        t.text('vehicle_make').notNullable();
        t.text('vehicle_model').notNullable();
        t.text('vehicle_plate').notNullable().unique(); // stored normalised (upper case, no separators)
        t.text('vehicle_class').notNullable().checkIn(['economy', 'comfort', 'xl']);
        t.integer('vehicle_seats').notNullable();
        t.text('status').notNullable().defaultTo('offline').checkIn(['offline', 'online', 'on_trip']);
        t.decimal('rating_avg', 3, 2);
        t.integer('rating_count').notNullable().defaultTo(0);
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('drivers');
    },
  },
  {
    name: '002_trips_and_ratings',
    async up(knex, s) {
      await knex.schema.withSchema(s).alterTable('drivers', (t) => {
        // The ride that put the driver on_trip: only that ride's end brings them back online.
        t.uuid('current_ride_id');
      });
      // Rides whose end was seen, so a late (reordered) ride.accepted cannot put the driver back on_trip.
      await knex.schema.withSchema(s).createTable('finished_rides', (t) => {
        t.uuid('ride_id').primary();
        t.uuid('driver_user_id').notNullable();
        t.timestamp('finished_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).index();
      });
      // One rating per ride: redelivered ride.rated events count once.
      await knex.schema.withSchema(s).createTable('ratings', (t) => {
        t.uuid('ride_id').primary();
        t.uuid('driver_user_id').notNullable().index();
        t.smallint('stars').notNullable().checkBetween([1, 5]);
        t.timestamp('rated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('ratings');
      await knex.schema.withSchema(s).dropTableIfExists('finished_rides');
      await knex.schema.withSchema(s).alterTable('drivers', (t) => t.dropColumn('current_ride_id'));
    },
  },
  outboxMigration('003_outbox'),
  outboxPublishOnCommitMigration('004_outbox_publish_on_commit'),
  {
    // Raised by every status change under the row lock, so the live index can tell a late sync from a new one.
    name: '005_status_version',
    async up(knex, s) {
      await knex.schema.withSchema(s).alterTable('drivers', (t) => t.bigInteger('status_version').notNullable().defaultTo(0));
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).alterTable('drivers', (t) => t.dropColumn('status_version'));
    },
  },
  { name: '006_trip_functions', up: createTripFunctions, down: dropTripFunctions },
  {
    // A driver's cancellation before pickup sends the ride back to matching (rides'
    // cancelByDriver): the ride's end is then remembered per driver, so the next driver
    // who accepts it is put on it, and each such cancellation counts against the driver.
    name: '007_rematch_and_cancellations',
    async up(knex, s) {
      await knex.raw('alter table ??.finished_rides drop constraint finished_rides_pkey', [s]);
      await knex.raw('alter table ??.finished_rides add primary key (ride_id, driver_user_id)', [s]);
      await createTripFunctions(knex, s);
      await knex.schema.withSchema(s).alterTable('drivers', (t) => t.integer('cancellation_count').notNullable().defaultTo(0));
      await knex.schema.withSchema(s).createTable('cancellations', (t) => {
        t.uuid('ride_id').notNullable();
        t.uuid('driver_user_id').notNullable();
        t.text('from_status').notNullable().checkIn(['accepted', 'arrived']);
        t.text('reason');
        t.timestamp('cancelled_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        // One per ride and driver: a redelivered ride.rematching counts once.
        t.primary(['ride_id', 'driver_user_id']);
        t.index(['driver_user_id', 'cancelled_at']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists('cancellations');
      await knex.schema.withSchema(s).alterTable('drivers', (t) => t.dropColumn('cancellation_count'));
    },
  },
];
