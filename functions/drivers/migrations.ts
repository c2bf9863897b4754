import type { Migration } from '../runtime/migrate.js';

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
];
