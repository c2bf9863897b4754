import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { chargeOnce } from './charging.js';

const spec = eventSpec('payments-capture');

/**
 * A completed ride's final fare is charged once: the idempotency key is the ride's, so a
 * redelivered event — even one re-emitted with a new id — finds the payment and stops.
 */
export default createEventApp(
  spec,
  {
    'microride.ride.completed': async (event, { log }) => {
      const d = event.data;
      const row = await chargeOnce(spec, {
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
  // The payment's idempotency key (one per ride and kind, unique in PostgreSQL) is the
  // dedupe: a redelivery finds it taken and charges nothing, in the one statement that
  // charges, where a processed-event mark took a transaction of four round trips.
  { dedupe: noDedupe() },
);
