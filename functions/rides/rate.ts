import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict, notFound } from '../../platform/problem.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import { ratingBody, ride, rideIdParam } from './schemas.js';
import { findRide, ridesTable, toRide, type RideRow } from './store.js';

const spec = httpSpec('rides-rate');

const route = routeOf(spec, {
  request: { params: rideIdParam, body: { content: { 'application/json': { schema: ratingBody } }, required: true } },
  responses: {
    200: { description: 'Rated; the driver’s average follows from the microride.ride.rated event', content: { 'application/json': { schema: ride } } },
    404: { description: 'No such ride, or not yours' },
    409: { description: 'Not completed yet, or already rated' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { id } = c.req.valid('param');
  const { stars, comment } = c.req.valid('json');
  const riderId = c.get('principal').userId;
  const row = await db().transaction(async (trx) => {
    // Not a state transition, but the same CAS discipline: completed and not yet rated.
    const [rated] = await ridesTable(trx)
      .where({ id, rider_id: riderId, status: 'completed' })
      .whereNull('rating_stars')
      .update({ rating_stars: stars, rating_comment: comment ?? null, rated_at: trx.fn.now(), updated_at: trx.fn.now() })
      .returning<RideRow[]>('*');
    if (!rated?.driver_id) return undefined;
    await enqueueEvent(trx, spec, {
      type: 'microride.ride.rated',
      subject: id,
      data: { rideId: id, riderId, driverId: rated.driver_id, stars },
    });
    return rated;
  });
  if (row) return c.json(toRide(row), 200);
  const current = await findRide(id);
  if (!current || current.rider_id !== riderId) throw notFound('ride');
  if (current.status !== 'completed') throw conflict(`cannot rate a ride that is ${current.status}`, { currentStatus: current.status });
  throw conflict('you already rated this ride', { currentStatus: current.status });
});
