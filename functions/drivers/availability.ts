import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { HttpProblem, conflict } from '../../platform/problem.js';
import { availabilityBody, ownDriver } from './schemas.js';
import { driversTable, toOwn, type DriverRow } from './store.js';
import { syncLiveStatus } from './live.js';
import { enqueueEvent } from '../../platform/events/outbox.js';

const spec = httpSpec('drivers-availability');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: availabilityBody } }, required: true } },
  responses: {
    200: { description: 'Availability updated', content: { 'application/json': { schema: ownDriver } } },
    404: { description: 'No driver profile yet' },
    409: { description: 'You are on a trip; finish or cancel it first' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { status } = c.req.valid('json');
  const { userId } = c.get('principal');
  const row = await db().transaction(async (trx) => {
    const current = await driversTable(trx).where({ user_id: userId }).forUpdate().first<DriverRow | undefined>();
    if (!current) throw new HttpProblem(404, 'you have no driver profile yet; create it with POST /api/v1/drivers');
    if (current.status === 'on_trip') throw conflict('you are on a trip; availability changes when it ends', { currentStatus: current.status });
    if (current.status === status) return current;
    const [updated] = await driversTable(trx).where({ id: current.id }).update({ status, status_version: trx.raw('status_version + 1'), updated_at: trx.fn.now() }).returning<DriverRow[]>('*');
    await enqueueEvent(trx, spec, {
      type: 'microride.driver.availability_changed',
      subject: current.id,
      data: { driverId: current.id, userId, status, vehicleClass: current.vehicle_class },
    });
    return updated ?? current;
  });
  // After the commit, and also when nothing changed: a retry repairs a failed index write.
  await syncLiveStatus(row);
  return c.json(toOwn(row), 200);
});
