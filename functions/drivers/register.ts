import type { Knex } from 'knex';
import type { HttpFunction } from '../../contracts/catalog-types.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict } from '../../platform/problem.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import type { EventInput } from '../../platform/events/emit.js';
import { normalisePlate, ownDriver, registerDriverBody, type OwnDriver, type RegisterDriverBody } from './schemas.js';
import { insertDriver, toOwn, transaction, uniqueViolation, type DriverRow, type NewDriverRow } from './store.js';

const spec = httpSpec('drivers-register');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: registerDriverBody } }, required: true } },
  responses: {
    201: { description: 'Driver profile created (offline until you go online)', content: { 'application/json': { schema: ownDriver } } },
    409: { description: 'You already have a profile, or the plate is registered to another driver' },
  },
});

/** What the operation writes: the drivers table and its outbox, in one transaction; fakes in the unit test. */
export interface Stores {
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  insertDriver(trx: Knex.Transaction, row: NewDriverRow): Promise<DriverRow[]>;
  enqueueEvent(trx: Knex.Transaction, spec: HttpFunction, event: EventInput<'microride.driver.registered'>): Promise<unknown>;
}

export interface Registration extends RegisterDriverBody {
  /** The caller's account id. */
  userId: string;
  /** The caller's name from the cached profile, when the verifier had it. */
  userName: string | undefined;
}

/**
 * Creates the caller's profile and its microride.driver.registered event together. The
 * database's unique constraints decide a clash (one profile per account, one per plate),
 * so two concurrent registrations cannot both win.
 */
export async function handle(
  { userId, userName, licenseNumber, vehicle }: Registration,
  stores: Stores = { transaction, insertDriver, enqueueEvent },
): Promise<OwnDriver> {
  try {
    const [row] = await stores.transaction(async (trx) => {
      const rows = await stores.insertDriver(trx, {
        user_id: userId,
        display_name: userName ?? 'Driver',
        license_number: licenseNumber,
        vehicle_make: vehicle.make,
        vehicle_model: vehicle.model,
        vehicle_plate: normalisePlate(vehicle.plate),
        vehicle_class: vehicle.class,
        vehicle_seats: vehicle.seats,
      });
      const created = rows[0];
      if (created) {
        await stores.enqueueEvent(trx, spec, {
          type: 'microride.driver.registered',
          // The driver's id is their account id, as everywhere in the API (store.ts toPublic).
          subject: created.user_id,
          data: { driverId: created.user_id, userId: created.user_id, vehicleClass: created.vehicle_class },
        });
      }
      return rows;
    });
    if (!row) throw new Error('insert returned no row');
    return toOwn(row);
  } catch (err) {
    const clash = uniqueViolation(err);
    if (clash === 'vehicle_plate') throw conflict('this plate is registered to another driver', { errors: [{ path: 'vehicle.plate', message: 'already registered' }] });
    if (clash === 'user_id') throw conflict('you already have a driver profile; see GET /api/v1/drivers/me');
    throw err;
  }
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('json'), userId: c.get('principal').userId, userName: c.get('principal').user?.name }), 201, { location: '/api/v1/drivers/me' }),
);
