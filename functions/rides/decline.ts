import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { forbidden, notFound } from '../../platform/problem.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import { rideIdParam } from './schemas.js';
import { findOffer, findRide, ridesSchema } from './store.js';

const spec = httpSpec('rides-decline');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    204: { description: 'Declined (also when the offer had already lapsed or was declined: nothing left to do)' },
    403: { description: 'The ride was not offered to you' },
    404: { description: 'No such ride' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { id } = c.req.valid('param');
  const driverId = c.get('principal').userId;
  const declined = await db().transaction(async (trx) => {
    const res = (await trx.raw(
      `update ??.offers o set declined_at = now()
       from ??.rides r
       where o.ride_id = ? and o.driver_id = ? and o.declined_at is null and o.expires_at > now()
         and r.id = o.ride_id and r.status = 'matching'
       returning r.rider_id`,
      [ridesSchema(), ridesSchema(), id, driverId],
    )) as { rows: { rider_id: string }[] };
    if (!res.rows[0]) return false;
    // Matching hears it and moves on as soon as the whole round said no.
    await enqueueEvent(trx, spec, { type: 'microride.ride.declined', subject: id, data: { rideId: id, driverId } });
    return true;
  });
  if (!declined) {
    const [ride, offer] = await Promise.all([findRide(id), findOffer(id, driverId)]);
    if (!ride) throw notFound('ride');
    if (!offer) throw forbidden('this ride was not offered to you');
  }
  return c.body(null, 204);
});
