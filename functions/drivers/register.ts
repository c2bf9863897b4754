import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict } from '../../platform/problem.js';
import { normalisePlate, ownDriver, registerDriverBody } from './schemas.js';
import { driversTable, toOwn, uniqueViolation, type DriverRow } from './store.js';
import { enqueueEvent } from '../../platform/events/outbox.js';

const spec = httpSpec('drivers-register');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: registerDriverBody } }, required: true } },
  responses: {
    201: { description: 'Driver profile created (offline until you go online)', content: { 'application/json': { schema: ownDriver } } },
    409: { description: 'You already have a profile, or the plate is registered to another driver' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { licenseNumber, vehicle } = c.req.valid('json');
  const principal = c.get('principal');
  try {
    const [row] = await db().transaction(async (trx) => {
      const rows = await driversTable(trx)
        .insert({
          user_id: principal.userId,
          display_name: principal.user?.name ?? 'Driver',
          license_number: licenseNumber,
          vehicle_make: vehicle.make,
          vehicle_model: vehicle.model,
          vehicle_plate: normalisePlate(vehicle.plate),
          vehicle_class: vehicle.class,
          vehicle_seats: vehicle.seats,
        })
        .returning<DriverRow[]>('*');
      const created = rows[0];
      if (created) {
        await enqueueEvent(trx, spec, {
          type: 'microride.driver.registered',
          subject: created.id,
          data: { driverId: created.id, userId: created.user_id, vehicleClass: created.vehicle_class },
        });
      }
      return rows;
    });
    if (!row) throw new Error('insert returned no row');
    return c.json(toOwn(row), 201, { location: '/api/v1/drivers/me' });
  } catch (err) {
    const clash = uniqueViolation(err);
    if (clash === 'vehicle_plate') throw conflict('this plate is registered to another driver', { errors: [{ path: 'vehicle.plate', message: 'already registered' }] });
    if (clash === 'user_id') throw conflict('you already have a driver profile; see GET /api/v1/drivers/me');
    throw err;
  }
});
