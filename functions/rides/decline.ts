import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { forbidden, notFound } from '../../platform/problem.js';
import type { EventInput } from '../../platform/events/emit.js';
import { rideIdParam } from './schemas.js';
import { declineOffer } from './store.js';
import { rideReads, type Caller, type RideReads } from './access.js';

const spec = httpSpec('rides-decline');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    204: { description: 'Declined (also when the offer had already lapsed or was declined: nothing left to do)' },
    403: { description: 'The ride was not offered to you' },
    404: { description: 'No such ride' },
  },
});

/** The decline statement (store.ts declineOffer) and the reads that explain a refusal: PostgreSQL by default, fakes in the unit test. */
export interface Stores extends RideReads {
  decline(rideId: string, driverId: string, event: EventInput<'microride.ride.declined'>): Promise<boolean>;
}

const postgres: Stores = { ...rideReads, decline: (rideId, driverId, event) => declineOffer(spec, rideId, driverId, event) };

/**
 * An offered driver says no to a ride that can still be accepted; matching hears it and
 * moves on as soon as the whole round said no. Nothing left to decline (the offer lapsed,
 * was declined, or the ride moved on) is no error either; no offer at all is. The answer
 * has no body (null).
 */
export async function handle(input: { id: string }, caller: Caller, stores: Stores = postgres): Promise<null> {
  const { id } = input;
  const driverId = caller.userId;
  const declined = await stores.decline(id, driverId, { type: 'microride.ride.declined', subject: id, data: { rideId: id, driverId } });
  if (!declined) {
    const [ride, offer] = await Promise.all([stores.findRide(id), stores.findOffer(id, driverId)]);
    if (!ride) throw notFound('ride');
    if (!offer) throw forbidden('this ride was not offered to you');
  }
  return null;
}

export default createFunctionApp(spec).openapi(route, async (c) => c.body(await handle(c.req.valid('param'), c.get('principal')), 204));
