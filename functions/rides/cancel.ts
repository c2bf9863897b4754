import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict, notFound } from '../../platform/problem.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import type { Principal } from '../../platform/auth/verify.js';
import { cancelBody, ride, rideIdParam } from './schemas.js';
import { findRide, toRide, transition, type RideRow } from './store.js';
import { cancellationFee, driverCancellable, riderCancellable } from './fees.js';

const spec = httpSpec('rides-cancel');

const route = routeOf(spec, {
  request: { params: rideIdParam, body: { content: { 'application/json': { schema: cancelBody } }, required: false } },
  responses: {
    200: {
      description:
        'Cancelled. A rider cancelling after the driver arrived, or later than the grace period after acceptance, is charged the fee shown in cancellation.fee',
      content: { 'application/json': { schema: ride } },
    },
    404: { description: 'No such ride, or not yours' },
    409: { description: 'The ride can no longer be cancelled; currentStatus says why' },
  },
});

// The fee depends on the state we read, so the CAS compares against exactly that state;
// if the ride moved meanwhile (driver arrived, say), read again and decide again.
const ATTEMPTS = 3;

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { id } = c.req.valid('param');
  const reason = c.req.valid('json')?.reason ?? null;
  const p = c.get('principal');
  for (let attempt = 1; ; attempt++) {
    const seen = await findRide(id);
    const by = seen ? partyOf(seen, p) : null;
    if (!seen || !by) throw notFound('ride');
    const allowed = by === 'rider' ? riderCancellable : driverCancellable;
    if (!allowed.includes(seen.status)) {
      const hint = seen.status === 'in_progress' ? '; the driver completes a trip in progress' : '';
      throw conflict(`cannot cancel a ride that is ${seen.status}${hint}`, { currentStatus: seen.status });
    }
    const fee = cancellationFee(seen, by);
    const row = await db().transaction(async (trx) => {
      const cancelled = await transition(trx, {
        id,
        from: [seen.status],
        to: 'cancelled',
        where: by === 'driver' ? { driver_id: p.userId } : { rider_id: p.userId },
        set: { cancelled_at: trx.fn.now(), cancelled_by: by, cancel_reason: reason, cancel_fee: fee },
      });
      if (!cancelled) return undefined;
      await enqueueEvent(trx, spec, {
        type: 'microride.ride.cancelled',
        subject: id,
        data: {
          rideId: id,
          riderId: cancelled.rider_id,
          driverId: cancelled.driver_id,
          by,
          ...(reason ? { reason } : {}),
          fee: fee === null ? null : { amount: fee, currency: cancelled.currency },
        },
      });
      return cancelled;
    });
    if (row) {
      c.get('log').info({ rideId: id, by, fee, from: seen.status }, 'ride cancelled');
      return c.json(toRide(row), 200);
    }
    if (attempt >= ATTEMPTS) throw conflict('the ride keeps changing; try again', { currentStatus: (await findRide(id))?.status ?? null });
  }
});

function partyOf(r: RideRow, p: Principal): 'rider' | 'driver' | null {
  if (r.rider_id === p.userId) return 'rider';
  if (r.driver_id !== null && r.driver_id === p.userId) return 'driver';
  return null;
}
