import type { Knex } from 'knex';
import type { HttpFunction } from '../../contracts/catalog-types.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem, conflict } from '../../platform/problem.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import type { EventInput } from '../../platform/events/emit.js';
import { availabilityBody, ownDriver, type OwnDriver } from './schemas.js';
import { lockByUser, setStatus, toOwn, transaction, type DriverRow } from './store.js';
import { syncLiveStatus } from './live.js';

const spec = httpSpec('drivers-availability');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: availabilityBody } }, required: true } },
  responses: {
    200: { description: 'Availability updated', content: { 'application/json': { schema: ownDriver } } },
    404: { description: 'No driver profile yet' },
    409: { description: 'You are on a trip; finish or cancel it first' },
  },
});

/** The drivers table and its outbox (one transaction), then the live index in Redis; fakes in the unit test. */
export interface Stores {
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  lockByUser(trx: Knex.Transaction, userId: string): Promise<DriverRow | undefined>;
  setStatus(trx: Knex.Transaction, id: string, status: 'online' | 'offline'): Promise<DriverRow | undefined>;
  enqueueEvent(trx: Knex.Transaction, spec: HttpFunction, event: EventInput<'microride.driver.availability_changed'>): Promise<unknown>;
  syncLiveStatus(row: DriverRow): Promise<void>;
}

/** The driver goes online or offline; never while on a trip, which the trip events end. */
export async function handle(
  { userId, status }: { userId: string; status: 'online' | 'offline' },
  stores: Stores = { transaction, lockByUser, setStatus, enqueueEvent, syncLiveStatus },
): Promise<OwnDriver> {
  const row = await stores.transaction(async (trx) => {
    const current = await stores.lockByUser(trx, userId);
    if (!current) throw new HttpProblem(404, 'you have no driver profile yet; create it with POST /api/v1/drivers');
    if (current.status === 'on_trip') throw conflict('you are on a trip; availability changes when it ends', { currentStatus: current.status });
    if (current.status === status) return current;
    const updated = await stores.setStatus(trx, current.id, status);
    await stores.enqueueEvent(trx, spec, {
      type: 'microride.driver.availability_changed',
      // The driver's id is their account id, as everywhere in the API (drivers/store.ts toPublic).
      subject: userId,
      data: { driverId: userId, userId, status, vehicleClass: current.vehicle_class },
    });
    return updated ?? current;
  });
  // After the commit, and also when nothing changed: a retry repairs a failed index write.
  await stores.syncLiveStatus(row);
  return toOwn(row);
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('json'), userId: c.get('principal').userId }), 200));
