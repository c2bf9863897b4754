import type { EventData } from '../../contracts/events.js';
import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { chargeOnce, chargeStores, type ChargeStores } from './charging.js';
import type { PaymentRow } from './store.js';

const spec = eventSpec('payments-capture');

/** The simulated gateway and the one-statement charge insert by default; fakes in the unit test. */
export type Stores = ChargeStores;

/**
 * A completed ride's final fare is charged once: the idempotency key is the ride's, so a
 * redelivered event — even one re-emitted with a new id — finds the payment and stops.
 * Null when it was charged before.
 */
export async function handle(
  d: EventData<'microride.ride.completed'>,
  ctx: { log: Pick<Logger, 'info'> },
  stores: Stores = chargeStores,
): Promise<PaymentRow | null> {
  const row = await chargeOnce(
    spec,
    {
      rideId: d.rideId,
      riderId: d.riderId,
      driverId: d.driverId,
      kind: 'fare',
      amount: d.fare.amount,
      currency: d.fare.currency,
      idempotencyKey: `fare:${d.rideId}`,
      details: {
        distanceMeters: d.distanceMeters,
        durationSeconds: d.durationSeconds,
        // Upfront pricing's verdict, for the receipt (absent on events from before it).
        ...(d.basis ? { fareBasis: d.basis } : {}),
        ...(d.reason ? { fareReason: d.reason } : {}),
      },
    },
    stores,
  );
  if (row) ctx.log.info({ rideId: d.rideId, paymentId: row.id, status: row.status, amount: row.amount }, 'fare charged');
  return row;
}

export default createEventApp(
  spec,
  {
    'microride.ride.completed': async (event, ctx) => {
      await handle(event.data, ctx);
    },
  },
  // The payment's idempotency key (one per ride and kind, unique in PostgreSQL) is the
  // dedupe: a redelivery finds it taken and charges nothing, in the one statement that
  // charges, where a processed-event mark took a transaction of four round trips.
  { dedupe: noDedupe() },
);
