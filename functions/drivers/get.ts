import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { publicDriver, type PublicDriver } from './schemas.js';
import { findByUser, toPublic, type DriverRow } from './store.js';

const spec = httpSpec('drivers-get');

const route = routeOf(spec, {
  request: { params: z.object({ id: z.string().uuid('must be a driver id (uuid): a ride’s driverId').openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { description: 'Public driver view; the licence number is never shown (admins also see cancellations)', content: { 'application/json': { schema: publicDriver } } },
    404: { description: 'No such driver' },
  },
});

/** What the operation reads: the drivers table by default, a fake in the unit test. */
export interface Stores {
  findByUser(userId: string): Promise<DriverRow | undefined>;
}

/** A driver's public view by the driver's id (their account id, as rides name them); 404 when there is none. An admin also sees the driver's cancellations before pickup. */
export async function handle(input: { id: string }, stores: Stores = { findByUser }, caller: { role: string } = { role: 'rider' }): Promise<PublicDriver> {
  const row = await stores.findByUser(input.id);
  if (!row) throw notFound('driver');
  return caller.role === 'admin' ? { ...toPublic(row), cancellations: { beforePickup: row.cancellation_count } } : toPublic(row);
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('param'), undefined, c.get('principal')), 200));
