import type { EventData } from '../../contracts/events.js';
import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { chargeOnce, chargeStores, type ChargeStores } from './charging.js';
import type { PaymentRow } from './store.js';

const spec = eventSpec('payments-cancellation-fee');

/** The simulated gateway and the one-statement charge insert by default; fakes in the unit test. */
export type Stores = ChargeStores;

/**
 * A cancellation that carries a fee (rides decided it) is charged once per ride. Null when
 * there is no fee to charge, or it was charged before.
 */
export async function handle(
  d: EventData<'microride.ride.cancelled'>,
  ctx: { log: Pick<Logger, 'info'> },
  stores: Stores = chargeStores,
): Promise<PaymentRow | null> {
  if (!d.fee || d.fee.amount === 0) return null;
  const row = await chargeOnce(
    spec,
    {
      rideId: d.rideId,
      riderId: d.riderId,
      driverId: d.driverId,
      kind: 'cancellation_fee',
      amount: d.fee.amount,
      currency: d.fee.currency,
      idempotencyKey: `cancellation_fee:${d.rideId}`,
      reason: d.reason ?? 'late cancellation',
    },
    stores,
  );
  if (row) ctx.log.info({ rideId: d.rideId, paymentId: row.id, status: row.status }, 'cancellation fee charged');
  return row;
}

export default createEventApp(
  spec,
  {
    'microride.ride.cancelled': async (event, ctx) => {
      await handle(event.data, ctx);
    },
  },
  // The payment's idempotency key (one per ride and kind, unique in PostgreSQL) is the
  // dedupe: a redelivery finds it taken and charges nothing, in the one statement that
  // charges, where a processed-event mark took a transaction of four round trips.
  { dedupe: noDedupe() },
);
