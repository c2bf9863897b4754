import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { ride, rideIdParam, type Ride } from './schemas.js';
import { toRide, withPickupCode } from './store.js';
import { rideReads, visibleRide, type Caller, type RideReads } from './access.js';

const spec = httpSpec('rides-get');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'The ride (yours as rider or driver, or offered to you)', content: { 'application/json': { schema: ride } } },
    404: { description: 'No such ride, or not yours' },
  },
});

/** The ride and offer reads: PostgreSQL by default, fakes in the unit test. */
export type Stores = RideReads;

/**
 * The ride as its rider, its driver, an admin or a driver it is offered to sees it; 404
 * for anyone else. Only the rider's view holds the pickup code.
 */
export async function handle(input: { id: string }, caller: Caller, stores: Stores = rideReads): Promise<Ride> {
  const { row, offer } = await visibleRide(input.id, caller, stores);
  return withPickupCode(toRide(row, offer), row, caller.userId);
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('param'), c.get('principal')), 200));
