import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { ride, rideIdParam, type Ride } from './schemas.js';
import { toRide } from './store.js';
import type { Caller } from './access.js';
import { driverStep, stepStores, type StepStores } from './progress.js';

const spec = httpSpec('rides-arrived');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'You are at the pickup point (accepted → arrived)', content: { 'application/json': { schema: ride } } },
    403: { description: 'You are not the assigned driver' },
    404: { description: 'No such ride' },
    409: { description: 'The ride is not in the accepted state; currentStatus says which it is' },
  },
});

/** The step's statement and the reads that explain a refusal: PostgreSQL by default, fakes in the unit test. */
export type Stores = StepStores;
const postgres = stepStores(spec);

/** transitions.arrived: the assigned driver is at the pickup point. */
export async function handle(input: { id: string }, caller: Caller, stores: Stores = postgres): Promise<Ride> {
  return toRide(await driverStep('arrived', input.id, caller, stores));
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('param'), c.get('principal')), 200));
