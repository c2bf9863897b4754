import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import type { PartialEventInput } from '../../platform/events/outbox.js';
import { ride, rideIdParam, type Ride } from './schemas.js';
import { toRide, transitionWithEvent, type RideRow, type Transition } from './store.js';
import { notMovable, rideReads, whyDriverCannot, type Caller, type RideReads } from './access.js';
import { measuredTrip, type Measured } from './measure.js';
import { settleFare } from './pricing.js';
import { rideSettings } from './settings.js';
import { startsFrom, transitions } from './transitions.js';

const spec = httpSpec('rides-complete');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: {
      description: 'The trip ended; the final fare is the quote unless the measured trip deviated beyond FARE_DEVIATION_PCT (then repriced, capped at FARE_CAP_MULTIPLIER × the quote; see fare.basis and fare.reason)',
      content: { 'application/json': { schema: ride } },
    },
    403: { description: 'You are not the assigned driver' },
    404: { description: 'No such ride' },
    409: { description: 'The ride is not in progress; currentStatus says which state it is in' },
  },
});

/**
 * The completing statement, tracking's distance and the reads: PostgreSQL and the tracking
 * service by default, fakes in the unit test.
 */
export interface Stores extends RideReads {
  complete(t: Transition, event: PartialEventInput<'microride.ride.completed', never>): Promise<RideRow | undefined>;
  measuredTrip(rideId: string, authorization: string, log: Logger): Promise<Measured | null>;
}

const postgres: Stores = {
  ...rideReads,
  complete: (t, event) => transitionWithEvent<'microride.ride.completed'>(spec, t, event),
  measuredTrip,
};

/**
 * transitions.complete: the assigned driver ends the trip, priced upfront (pricing.ts): the
 * quote, unless what tracking measured deviates from it beyond the threshold. `authorization` is the driver's own
 * header, passed on to tracking.
 */
export async function handle(input: { id: string; authorization: string }, caller: Caller, log: Logger, stores: Stores = postgres): Promise<Ride> {
  const { id } = input;
  const t = transitions.complete;
  const current = await stores.findRide(id);
  // Refuse before asking tracking anything: the call is the slow part.
  if (!current || current.driver_id !== caller.userId || !startsFrom(t, current.status)) {
    throw current && current.driver_id === caller.userId
      ? notMovable(current, 'complete')
      : await whyDriverCannot(id, caller, 'complete', stores, current);
  }

  const measured = await stores.measuredTrip(id, input.authorization, log);
  const { FARE_DEVIATION_PCT, FARE_CAP_MULTIPLIER } = rideSettings();
  const fare = settleFare(current.quote, current.quoted_amount, measured, { deviationPct: FARE_DEVIATION_PCT, capMultiplier: FARE_CAP_MULTIPLIER });

  const row = await stores.complete(
    {
      id,
      from: t.from,
      to: t.to,
      where: { driver_id: caller.userId },
      set: {
        completed_at: new Date(),
        final_amount: fare.amount,
        distance_meters: fare.distanceMeters,
        duration_seconds: fare.durationSeconds,
        fare_basis: fare.basis,
        fare_reason: fare.reason,
      },
    },
    {
      type: t.event,
      subject: id,
      data: {
        rideId: id,
        riderId: current.rider_id,
        driverId: caller.userId,
        distanceMeters: fare.distanceMeters,
        durationSeconds: fare.durationSeconds,
        fare: { amount: fare.amount, currency: current.currency },
        basis: fare.basis,
        reason: fare.reason,
        driver: current.driver_card,
      },
    },
  );
  if (!row) throw await whyDriverCannot(id, caller, 'complete', stores);
  log.info({ rideId: id, amount: fare.amount, basis: fare.basis, reason: fare.reason }, 'ride completed');
  return toRide(row);
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('param'), authorization: c.req.header('authorization') ?? '' }, c.get('principal'), c.get('log')), 200),
);
