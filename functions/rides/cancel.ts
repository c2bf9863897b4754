import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, notFound } from '../../platform/problem.js';
import type { EventInput } from '../../platform/events/emit.js';
import { cancelBody, ride, rideIdParam, type Ride, type RideStatus } from './schemas.js';
import { cancelRide, findRide, rematchRide, toRide, type RideRow, type Transition } from './store.js';
import type { Caller } from './access.js';
import { cancellationFee } from './fees.js';
import { startsFrom, transitions } from './transitions.js';

const spec = httpSpec('rides-cancel');

const route = routeOf(spec, {
  request: { params: rideIdParam, body: { content: { 'application/json': { schema: cancelBody } }, required: false } },
  responses: {
    200: {
      description:
        'Cancelled. A rider cancelling after the driver arrived, or later than the grace period after acceptance, is charged the fee shown in cancellation.fee. ' +
        'The assigned driver cancelling before pickup does not end the ride: it goes back to `matching` (same id, no driver, no fee) and is offered to other drivers',
      content: { 'application/json': { schema: ride } },
    },
    404: { description: 'No such ride, or not yours' },
    409: { description: 'The ride can no longer be cancelled; currentStatus says why' },
  },
});

// The fee depends on the state we read, so the CAS compares against exactly that state;
// if the ride moved meanwhile (driver arrived, say), read again and decide again.
const ATTEMPTS = 3;

/** The ride read and the cancelling transactions (store.ts cancelRide, rematchRide): PostgreSQL by default, fakes in the unit test. */
export interface Stores {
  findRide(id: string): Promise<RideRow | undefined>;
  cancel(t: Transition, eventOf: (cancelled: RideRow) => EventInput<'microride.ride.cancelled'>): Promise<RideRow | undefined>;
  rematch(r: { id: string; driverId: string; from: RideStatus }, eventOf: (rematched: RideRow) => EventInput<'microride.ride.rematching'>): Promise<RideRow | undefined>;
}

const postgres: Stores = {
  findRide: (id) => findRide(id),
  cancel: (t, eventOf) => cancelRide(spec, t, eventOf),
  rematch: (r, eventOf) => rematchRide(spec, r, eventOf),
};

/**
 * transitions.cancelByRider or cancelByDriver, whichever the caller is to this ride. The
 * rider's ends the ride, with the fee fees.ts decides from the state it was cancelled in;
 * the driver's sends the same ride back to matching without them, free for the rider
 * (matching offers it to others; the ride ends only if nobody accepts in time).
 */
export async function handle(input: { id: string; reason: string | null }, caller: Caller, log: Logger, stores: Stores = postgres): Promise<Ride> {
  const { id, reason } = input;
  for (let attempt = 1; ; attempt++) {
    const seen = await stores.findRide(id);
    const by = seen ? partyOf(seen, caller) : null;
    if (!seen || !by) throw notFound('ride');
    const t = by === 'rider' ? transitions.cancelByRider : transitions.cancelByDriver;
    if (!startsFrom(t, seen.status)) {
      const hint = seen.status === 'in_progress' ? '; the driver completes a trip in progress' : '';
      throw conflict(`cannot cancel a ride that is ${seen.status}${hint}`, { currentStatus: seen.status });
    }
    if (by === 'driver') {
      const from = seen.status;
      if (from !== 'accepted' && from !== 'arrived') throw new Error(`cancelByDriver.from holds ${from}, which rematching does not name`);
      const row = await stores.rematch({ id, driverId: caller.userId, from }, (rematched) => ({
        type: transitions.cancelByDriver.event,
        subject: id,
        data: {
          rideId: id,
          riderId: rematched.rider_id,
          driverId: caller.userId,
          from,
          ...(reason ? { reason } : {}),
          pickup: { lat: rematched.pickup_lat, lon: rematched.pickup_lon },
          vehicleClass: rematched.vehicle_class,
        },
      }));
      if (row) {
        log.info({ rideId: id, driverId: caller.userId, from }, 'driver cancelled before pickup; ride back to matching');
        return toRide(row);
      }
      if (attempt >= ATTEMPTS) throw conflict('the ride keeps changing; try again', { currentStatus: (await stores.findRide(id))?.status ?? null });
      continue;
    }
    const fee = cancellationFee(seen, by);
    const row = await stores.cancel(
      {
        id,
        from: [seen.status],
        to: transitions.cancelByRider.to,
        where: { rider_id: caller.userId },
        set: { cancelled_by: by, cancel_reason: reason, cancel_fee: fee },
      },
      (cancelled) => ({
        type: transitions.cancelByRider.event,
        subject: id,
        data: {
          rideId: id,
          riderId: cancelled.rider_id,
          driverId: cancelled.driver_id,
          by,
          ...(reason ? { reason } : {}),
          fee: fee === null ? null : { amount: fee, currency: cancelled.currency },
          ...(cancelled.driver_card ? { driver: cancelled.driver_card } : {}),
        },
      }),
    );
    if (row) {
      log.info({ rideId: id, by, fee, from: seen.status }, 'ride cancelled');
      return toRide(row);
    }
    if (attempt >= ATTEMPTS) throw conflict('the ride keeps changing; try again', { currentStatus: (await stores.findRide(id))?.status ?? null });
  }
}

function partyOf(r: RideRow, p: Caller): 'rider' | 'driver' | null {
  if (r.rider_id === p.userId) return 'rider';
  if (r.driver_id !== null && r.driver_id === p.userId) return 'driver';
  return null;
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('param'), reason: c.req.valid('json')?.reason ?? null }, c.get('principal'), c.get('log')), 200),
);
