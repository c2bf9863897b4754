import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, forbidden, notFound, type HttpProblem } from '../../platform/problem.js';
import { ride, rideIdParam, type Ride } from './schemas.js';
import { acceptRide, toRide, uniqueViolation, type RideRow } from './store.js';
import { rideReads, type Caller, type RideReads } from './access.js';
import { startsFrom, transitions } from './transitions.js';
import type { DriverCard } from '../../contracts/driver-card.js';
import { driverCardOf } from './driver-card.js';
import { newPickupCode } from './pickup-code.js';

const spec = httpSpec('rides-accept');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'You are the ride’s driver now', content: { 'application/json': { schema: ride } } },
    403: { description: 'The ride was not offered to you' },
    404: { description: 'No such ride' },
    409: { description: 'Someone accepted first, your offer expired or you declined it, or you already have an active trip' },
    503: { description: 'Your driver profile could not be read for the rider’s driver card; try again (the offer still stands)' },
  },
});

/**
 * The accept statement (store.ts acceptRide), the reads that explain a refusal and the
 * driver's card (drivers service + live index): PostgreSQL and the services by default,
 * fakes in the unit test.
 */
export interface Stores extends RideReads {
  accept(a: Parameters<typeof acceptRide>[1], event: Parameters<typeof acceptRide>[2]): Promise<RideRow | undefined>;
  driverCard(driverId: string, authorization: string, log: Logger): Promise<DriverCard | null>;
}

const postgres: Stores = { ...rideReads, accept: (a, event) => acceptRide(spec, a, event), driverCard: driverCardOf };

/** transitions.accept: the first offered driver to accept becomes the ride's driver. */
export async function handle(input: { id: string; authorization: string }, caller: Caller, log: Logger, stores: Stores = postgres): Promise<Ride> {
  const { id } = input;
  const driverId = caller.userId;
  const driverCard = await stores.driverCard(driverId, input.authorization, log);
  const acceptedAt = new Date();
  // Never logged, never in the event (it goes to the driver too), never in this response.
  const pickupCode = newPickupCode();
  let row: RideRow | undefined;
  try {
    // The rider comes from the row: a refused accept is the only one that reads the ride.
    row = await stores.accept(
      { id, driverId, acceptedAt, driverCard, pickupCode },
      { type: transitions.accept.event, subject: id, data: { rideId: id, driverId, acceptedAt: acceptedAt.toISOString(), driver: driverCard } },
    );
  } catch (err) {
    if (uniqueViolation(err) === 'driver_active') throw conflict('you already have an active trip; finish or cancel it first');
    throw err;
  }
  if (!row) throw await whyNot(id, driverId, stores);
  log.info({ rideId: id, driverId }, 'ride accepted');
  return toRide(row);
}

/** Why an accept was refused: read after the statement changed nothing. */
async function whyNot(id: string, driverId: string, reads: RideReads): Promise<HttpProblem> {
  const [ride, offer] = await Promise.all([reads.findRide(id), reads.findOffer(id, driverId)]);
  if (!ride) return notFound('ride');
  if (!offer) return forbidden('this ride was not offered to you');
  if (ride.driver_id === driverId) return conflict('you already accepted this ride', { currentStatus: ride.status });
  if (!startsFrom(transitions.accept, ride.status)) return conflict(`the ride is ${ride.status}; another driver was faster or it ended`, { currentStatus: ride.status });
  if (offer.declined_at) return conflict('you declined this offer', { currentStatus: ride.status });
  return conflict(`your offer expired at ${offer.expires_at.toISOString()}`, { currentStatus: ride.status });
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('param'), authorization: c.req.header('authorization') ?? '' }, c.get('principal'), c.get('log')), 200),
);
