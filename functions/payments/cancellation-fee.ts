import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { chargeOnce } from './charging.js';

const spec = eventSpec('payments-cancellation-fee');

/** A cancellation that carries a fee (rides decided it) is charged once per ride. */
export default createEventApp(
  spec,
  {
    'microride.ride.cancelled': async (event, { log }) => {
      const d = event.data;
      if (!d.fee || d.fee.amount === 0) return;
      const row = await chargeOnce(spec, {
        rideId: d.rideId,
        riderId: d.riderId,
        driverId: d.driverId,
        kind: 'cancellation_fee',
        amount: d.fee.amount,
        currency: d.fee.currency,
        idempotencyKey: `cancellation_fee:${d.rideId}`,
        reason: d.reason ?? 'late cancellation',
      });
      if (row) log.info({ rideId: d.rideId, paymentId: row.id, status: row.status }, 'cancellation fee charged');
    },
  },
  // The payment's idempotency key (one per ride and kind, unique in PostgreSQL) is the
  // dedupe: a redelivery finds it taken and charges nothing, in the one statement that
  // charges, where a processed-event mark took a transaction of four round trips.
  { dedupe: noDedupe() },
);
