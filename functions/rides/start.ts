import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { ride, rideIdParam, startBody, type Ride } from './schemas.js';
import { toRide } from './store.js';
import type { Caller } from './access.js';
import { driverStep, stepStores, type StepStores } from './progress.js';
import { redisPickupGuard, type PickupGuard } from './pickup-code.js';
import { startsFrom, transitions } from './transitions.js';

const spec = httpSpec('rides-start');

const route = routeOf(spec, {
  request: { params: rideIdParam, body: { content: { 'application/json': { schema: startBody } }, required: true } },
  responses: {
    200: { description: 'The trip started (arrived → in_progress)', content: { 'application/json': { schema: ride } } },
    403: { description: 'You are not the assigned driver' },
    404: { description: 'No such ride' },
    409: { description: 'The ride is not in the arrived state; currentStatus says which it is' },
    422: { description: 'No pickup code, or not the one the rider was given (errors[].path = pickupCode)' },
    429: { description: 'Too many wrong pickup codes for this ride: refused for PICKUP_CODE_LOCKOUT_SECONDS (Retry-After)' },
  },
});

/** The step's statement, the reads that explain a refusal and the wrong-code counter: PostgreSQL and Redis by default, fakes in the unit test. */
export interface Stores extends StepStores {
  pickup: PickupGuard;
}
const postgres: Stores = { ...stepStores(spec), pickup: redisPickupGuard() };

/**
 * transitions.start: the assigned driver starts the trip with the code the rider tells
 * them (pickup-code.ts). The code is compared by the statement itself; a ride accepted
 * before pickup codes existed has none and starts without one.
 */
export async function handle(input: { id: string; pickupCode: string }, caller: Caller, stores: Stores = postgres): Promise<Ride> {
  const { id, pickupCode } = input;
  await stores.pickup.assertNotLocked(id, caller.userId);
  const row = await driverStep('start', id, caller, stores, {
    whereRaw: { sql: '(pickup_code = ? or pickup_code is null)', bindings: [pickupCode] },
    refusal: async (r) =>
      r.driver_id === caller.userId && startsFrom(transitions.start, r.status) && r.pickup_code !== null && r.pickup_code !== pickupCode
        ? stores.pickup.wrongCode(id, caller.userId)
        : undefined,
  });
  return toRide(row);
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ...c.req.valid('json') }, c.get('principal')), 200));
