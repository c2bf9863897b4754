import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { changeWithEvent } from '../../platform/events/outbox.js';
import { finalFare } from '../analysis/fares.js';
import { ride, rideIdParam } from './schemas.js';
import { findRide, toRide, transitionQuery, type RideRow } from './store.js';
import { notMovable, whyDriverCannot } from './access.js';
import { measuredTrip } from './measure.js';

const spec = httpSpec('rides-complete');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: {
      description: 'The trip ended; the final fare is priced from the distance tracking measured (or the quote’s, see fare.basis)',
      content: { 'application/json': { schema: ride } },
    },
    403: { description: 'You are not the assigned driver' },
    404: { description: 'No such ride' },
    409: { description: 'The ride is not in progress; currentStatus says which state it is in' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { id } = c.req.valid('param');
  const p = c.get('principal');
  const current = await findRide(id);
  // Refuse before asking tracking anything: the call is the slow part.
  if (!current || current.driver_id !== p.userId || current.status !== 'in_progress') {
    throw current && current.driver_id === p.userId ? notMovable(current, 'complete') : await whyDriverCannot(id, p, 'complete', current);
  }

  const measured = await measuredTrip(id, c.req.header('authorization') ?? '', c.get('log'));
  const q = current.quote;
  const basis = measured ? 'measured' : 'quoted';
  const trip = measured ?? { distanceMeters: q.distanceMeters, durationSeconds: q.durationSeconds };
  const fare = finalFare(q.tariff, q.surgeMultiplier, trip.distanceMeters, trip.durationSeconds);

  const row = await changeWithEvent<RideRow, 'microride.ride.completed'>(
    spec,
    transitionQuery({
      id,
      from: ['in_progress'],
      to: 'completed',
      where: { driver_id: p.userId },
      set: {
        completed_at: new Date(),
        final_amount: fare.amount,
        distance_meters: trip.distanceMeters,
        duration_seconds: trip.durationSeconds,
        fare_basis: basis,
      },
    }),
    {
      type: 'microride.ride.completed',
      subject: id,
      data: {
        rideId: id,
        riderId: current.rider_id,
        driverId: p.userId,
        distanceMeters: trip.distanceMeters,
        durationSeconds: trip.durationSeconds,
        fare: { amount: fare.amount, currency: current.currency },
      },
    },
  );
  if (!row) throw await whyDriverCannot(id, p, 'complete');
  c.get('log').info({ rideId: id, amount: fare.amount, basis }, 'ride completed');
  return c.json(toRide(row), 200);
});
