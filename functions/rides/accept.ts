import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict, forbidden, notFound, type HttpProblem } from '../../platform/problem.js';
import { changeWithEvent } from '../../platform/events/outbox.js';
import { ride, rideIdParam } from './schemas.js';
import { findOffer, findRide, ridesSchema, ridesTable, toRide, uniqueViolation, type RideRow } from './store.js';

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
  const acceptedAt = new Date();
  let row: RideRow | undefined;
  try {
    // The whole rule in one statement: still matching, and this driver holds a live offer.
    // Concurrent accepts queue on the row lock; after the first commits the others
    // re-check `status = 'matching'`, find it false and update nothing (and write no event).
    row = await changeWithEvent<RideRow, 'microride.ride.accepted', 'riderId'>(
      spec,
      ridesTable()
        .where({ id, status: 'matching' })
        .whereExists((q) =>
          q.select(db().raw('1'))
            .from(`${ridesSchema()}.offers as o`)
            .whereRaw('o.ride_id = rides.id')
            .where('o.driver_id', driverId)
            .whereNull('o.declined_at')
            .where('o.expires_at', '>', db().fn.now()),
        )
        .update({ status: 'accepted', driver_id: driverId, accepted_at: acceptedAt, updated_at: db().fn.now() })
        .returning('*'),
      { type: 'microride.ride.accepted', subject: id, data: { rideId: id, driverId, acceptedAt: acceptedAt.toISOString() } },
      // the rider comes from the row: a refused accept is the only one that reads the ride
      { fromRow: { riderId: 'rider_id' } },
    );
  } catch (err) {
    if (uniqueViolation(err) === 'driver_active') throw conflict('you already have an active trip; finish or cancel it first');
    throw err;
  }
  if (!row) throw await whyNot(id, driverId);
  c.get('log').info({ rideId: id, driverId }, 'ride accepted');
  return c.json(toRide(row), 200);
});

/** Why an accept was refused: read after the statement changed nothing. */
async function whyNot(id: string, driverId: string): Promise<HttpProblem> {
  const [ride, offer] = await Promise.all([findRide(id), findOffer(id, driverId)]);
  if (!ride) return notFound('ride');
  if (!offer) return forbidden('this ride was not offered to you');
  if (ride.driver_id === driverId) return conflict('you already accepted this ride', { currentStatus: ride.status });
  if (ride.status !== 'matching') return conflict(`the ride is ${ride.status}; another driver was faster or it ended`, { currentStatus: ride.status });
  if (offer.declined_at) return conflict('you declined this offer', { currentStatus: ride.status });
  return conflict(`your offer expired at ${offer.expires_at.toISOString()}`, { currentStatus: ride.status });
}
