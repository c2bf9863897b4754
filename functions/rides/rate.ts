import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, notFound } from '../../platform/problem.js';
import type { EventInput } from '../../platform/events/emit.js';
import { ratingBody, ride, rideIdParam, type Ride } from './schemas.js';
import { findRide, rateRide, toRide, type RideRow } from './store.js';
import type { Caller } from './access.js';
import { transitions } from './transitions.js';

const spec = httpSpec('rides-rate');

const route = routeOf(spec, {
  request: { params: rideIdParam, body: { content: { 'application/json': { schema: ratingBody } }, required: true } },
  responses: {
    200: { description: 'Rated; the driver’s average follows from the microride.ride.rated event', content: { 'application/json': { schema: ride } } },
    404: { description: 'No such ride, or not yours' },
    409: { description: 'Not completed yet, or already rated' },
  },
});

/** The rating transaction (store.ts rateRide) and the ride read: PostgreSQL by default, fakes in the unit test. */
export interface Stores {
  rate(r: { id: string; riderId: string; stars: number; comment: string | null }, eventOf: (rated: RideRow, driverId: string) => EventInput<'microride.ride.rated'>): Promise<RideRow | undefined>;
  findRide(id: string): Promise<RideRow | undefined>;
}

const postgres: Stores = { rate: (r, eventOf) => rateRide(spec, r, eventOf), findRide: (id) => findRide(id) };

/** The rider rates a completed ride once; the driver's average follows from the event. */
export async function handle(
  input: { id: string; stars: number; comment?: string | undefined },
  caller: Caller,
  stores: Stores = postgres,
): Promise<Ride> {
  const { id, stars, comment } = input;
  const riderId = caller.userId;
  const row = await stores.rate({ id, riderId, stars, comment: comment ?? null }, (rated, driverId) => ({
    type: 'microride.ride.rated',
    subject: id,
    data: { rideId: id, riderId, driverId, stars, driver: rated.driver_card },
  }));
  if (row) return toRide(row);
  const current = await stores.findRide(id);
  if (!current || current.rider_id !== riderId) throw notFound('ride');
  if (current.status !== transitions.complete.to) throw conflict(`cannot rate a ride that is ${current.status}`, { currentStatus: current.status });
  throw conflict('you already rated this ride', { currentStatus: current.status });
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ...c.req.valid('json') }, c.get('principal')), 200));
