import { createFunctionApp } from '../runtime/app.js';
import { httpSpec, routeOf } from '../runtime/route.js';
import { db } from '../runtime/clients.js';
import { conflict, forbidden, notFound, type HttpProblem } from '../runtime/problem.js';
import { enqueueEvent } from '../runtime/events/outbox.js';
import { ride, rideIdParam } from './schemas.js';
import { findOffer, findRide, ridesSchema, toRide, uniqueViolation, type RideRow } from './store.js';

const spec = httpSpec('rides-accept');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'You are the ride’s driver now', content: { 'application/json': { schema: ride } } },
    403: { description: 'The ride was not offered to you' },
    404: { description: 'No such ride' },
    409: { description: 'Someone accepted first, your offer expired or you declined it, or you already have an active trip' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { id } = c.req.valid('param');
  const driverId = c.get('principal').userId;
  let row: RideRow | undefined;
  try {
    row = await db().transaction(async (trx) => {
      // The whole rule in one statement: still matching, and this driver holds a live offer.
      // Concurrent accepts queue on the row lock; after the first commits the others
      // re-check `status = 'matching'`, find it false and update nothing.
      const res = (await trx.raw(
        `update ??.rides r set status = 'accepted', driver_id = ?, accepted_at = now(), updated_at = now()
         where r.id = ? and r.status = 'matching'
           and exists (select 1 from ??.offers o where o.ride_id = r.id and o.driver_id = ?
                       and o.declined_at is null and o.expires_at > now())
         returning r.*`,
        [ridesSchema(), driverId, id, ridesSchema(), driverId],
      )) as { rows: RideRow[] };
      const updated = res.rows[0];
      if (!updated) return undefined;
      await enqueueEvent(trx, spec, {
        type: 'microride.ride.accepted',
        subject: updated.id,
        data: { rideId: updated.id, riderId: updated.rider_id, driverId, acceptedAt: (updated.accepted_at ?? new Date()).toISOString() },
      });
      return updated;
    });
  } catch (err) {
    if (uniqueViolation(err) === 'driver_active') throw conflict('you already have an active trip; finish or cancel it first');
    throw err;
  }
  if (!row) throw await whyNot(id, driverId);
  c.get('log').info({ rideId: id, driverId }, 'ride accepted');
  return c.json(toRide(row), 200);
});

async function whyNot(id: string, driverId: string): Promise<HttpProblem> {
  const [ride, offer] = await Promise.all([findRide(id), findOffer(id, driverId)]);
  if (!ride) return notFound('ride');
  if (!offer) return forbidden('this ride was not offered to you');
  if (ride.driver_id === driverId) return conflict('you already accepted this ride', { currentStatus: ride.status });
  if (ride.status !== 'matching') return conflict(`the ride is ${ride.status}; another driver was faster or it ended`, { currentStatus: ride.status });
  if (offer.declined_at) return conflict('you declined this offer', { currentStatus: ride.status });
  return conflict(`your offer expired at ${offer.expires_at.toISOString()}`, { currentStatus: ride.status });
}
