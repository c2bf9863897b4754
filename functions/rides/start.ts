import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { ride, rideIdParam, type Ride } from './schemas.js';
import { toRide } from './store.js';
import type { Caller } from './access.js';
import { driverStep, stepStores, type StepStores } from './progress.js';

const spec = httpSpec('rides-start');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'The trip started (arrived → in_progress)', content: { 'application/json': { schema: ride } } },
    403: { description: 'You are not the assigned driver' },
    404: { description: 'No such ride' },
    409: { description: 'The ride is not in the arrived state; currentStatus says which it is' },
  },
});

/** The step's statement and the reads that explain a refusal: PostgreSQL by default, fakes in the unit test. */
export type Stores = StepStores;
const postgres = stepStores(spec);

/** transitions.start: the assigned driver starts the trip. */
export async function handle(input: { id: string }, caller: Caller, stores: Stores = postgres): Promise<Ride> {
  return toRide(await driverStep('start', input.id, caller, stores));
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('param'), c.get('principal')), 200));
