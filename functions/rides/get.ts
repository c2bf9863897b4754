import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { rideDetail, rideIdParam, type RideDetail } from './schemas.js';
import { toRide, withPickupCode } from './store.js';
import { rideReads, visibleRide, type Caller, type RideReads } from './access.js';
import { LIVE_STATUSES, latestPosition } from './live.js';

const spec = httpSpec('rides-get');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'The ride (yours as rider or driver, or offered to you)', content: { 'application/json': { schema: rideDetail } } },
    404: { description: 'No such ride, or not yours' },
  },
});

/** The ride and offer reads (PostgreSQL) and the live position (Redis) by default, fakes in the unit test. */
export interface Stores extends RideReads {
  latestPosition: typeof latestPosition;
}

const defaults: Stores = { ...rideReads, latestPosition };

/**
 * The ride as its rider, its driver, an admin or a driver it is offered to sees it; 404
 * for anyone else. Only the rider's view holds the pickup code. While a driver is on the
 * way or on the trip, `live` is the driver's latest position and ETA (one Redis GET, only
 * in those states).
 */
export async function handle(input: { id: string }, caller: Caller, stores: Stores = defaults): Promise<RideDetail> {
  const { row, offer } = await visibleRide(input.id, caller, stores);
  const live = LIVE_STATUSES.has(row.status) ? await stores.latestPosition(row.id) : null;
  return { ...withPickupCode(toRide(row, offer), row, caller.userId), live };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('param'), c.get('principal')), 200));
