import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem } from '../../platform/problem.js';
import { ownDriver, type OwnDriver } from './schemas.js';
import { findByUser, toOwn, type DriverRow } from './store.js';

const spec = httpSpec('drivers-me');

const route = routeOf(spec, {
  responses: {
    200: { description: 'Your driver profile', content: { 'application/json': { schema: ownDriver } } },
    404: { description: 'No driver profile yet' },
  },
});

/** What the operation reads: the drivers table by default, a fake in the unit test. */
export interface Stores {
  findByUser(userId: string): Promise<DriverRow | undefined>;
}

/** The caller's own profile, licence included; 404 until they have registered one. */
export async function handle(input: { userId: string }, stores: Stores = { findByUser }): Promise<OwnDriver> {
  const row = await stores.findByUser(input.userId);
  if (!row) throw new HttpProblem(404, 'you have no driver profile yet; create it with POST /api/v1/drivers');
  return toOwn(row);
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ userId: c.get('principal').userId }), 200));
