import { eventSpec } from '../runtime/route.js';
import { createEventApp } from '../runtime/events/receive.js';
import { postgresDedupe } from '../runtime/events/idempotency.js';
import { chargeOnce } from './charging.js';

const spec = eventSpec('payments-capture');

/**
 * A completed ride's final fare is charged once: the idempotency key is the ride's, so a
 * redelivered event — even one re-emitted with a new id — finds the payment and stops.
 */
export default createEventApp(
  spec,
  {
    'microride.ride.completed': async (event, { trx, log }) => {
      const d = event.data;
      const row = await chargeOnce(trx, spec, {
        rideId: d.rideId,
        riderId: d.riderId,
        driverId: d.driverId,
        kind: 'fare',
        amount: d.fare.amount,
        currency: d.fare.currency,
        idempotencyKey: `fare:${d.rideId}`,
        details: { distanceMeters: d.distanceMeters, durationSeconds: d.durationSeconds },
      });
      if (row) log.info({ rideId: d.rideId, paymentId: row.id, status: row.status, amount: row.amount }, 'fare charged');
    },
  },
  { dedupe: postgresDedupe('payments') },
);
