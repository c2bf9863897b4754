import { eventSpec } from '../runtime/route.js';
import { createEventApp } from '../runtime/events/receive.js';
import { postgresDedupe } from '../runtime/events/idempotency.js';
import { chargeOnce } from './charging.js';

const spec = eventSpec('payments-cancellation-fee');

/** A cancellation that carries a fee (rides decided it) is charged once per ride. */
export default createEventApp(
  spec,
  {
    'microride.ride.cancelled': async (event, { trx, log }) => {
      const d = event.data;
      if (!d.fee || d.fee.amount === 0) return;
      const row = await chargeOnce(trx, spec, {
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
  { dedupe: postgresDedupe('payments') },
);
