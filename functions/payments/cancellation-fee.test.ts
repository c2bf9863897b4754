import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventData } from '../../contracts/events.js';
import { handle, type Stores } from './cancellation-fee.js';
import { charge } from './gateway.js';
import type { PaymentRow } from './store.js';
import type { NewCharge, PaymentEvent } from './writes.js';

const cancelled = (over: Partial<EventData<'microride.ride.cancelled'>> = {}): EventData<'microride.ride.cancelled'> => ({
  rideId: randomUUID(),
  riderId: randomUUID(),
  driverId: randomUUID(),
  by: 'rider',
  fee: { amount: 500, currency: 'EUR' },
  ...over,
});

/** The real simulated gateway (auto mode, every attempt approved) behind a spy; the charge statement faked. */
function fakes() {
  const asked: string[] = [];
  const written: { charge: NewCharge; event: PaymentEvent | null }[] = [];
  const stores: Stores = {
    charge: (key, n) => {
      asked.push(key);
      return charge(key, n, { PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'auto' });
    },
    insertCharge: async (_spec, c, event) => {
      written.push({ charge: c, event });
      const now = new Date();
      return { ...c, refunded_amount: 0, created_at: now, updated_at: now } satisfies PaymentRow;
    },
  };
  const logged: unknown[][] = [];
  return { stores, asked, written, logged, log: { info: (...a: unknown[]) => void logged.push(a) } };
}

describe('payments-cancellation-fee handle', () => {
  it('charges the fee once per ride under its cancellation key, with the reason, and announces it', async () => {
    const f = fakes();
    const d = cancelled({ reason: 'rider cancelled after the driver arrived' });
    const row = await handle(d, { log: f.log }, f.stores);

    expect(f.asked).toEqual([`cancellation_fee:${d.rideId}`]);
    expect(f.written[0]?.charge).toMatchObject({
      ride_id: d.rideId,
      rider_id: d.riderId,
      driver_id: d.driverId,
      kind: 'cancellation_fee',
      amount: 500,
      currency: 'EUR',
      status: 'succeeded',
      idempotency_key: `cancellation_fee:${d.rideId}`,
      reason: 'rider cancelled after the driver arrived',
      details: {},
    });
    expect(f.written[0]?.event).toMatchObject({
      type: 'microride.payment.succeeded',
      data: { kind: 'cancellation_fee', amount: 500, reason: 'rider cancelled after the driver arrived' },
    });
    expect(f.logged).toEqual([[{ rideId: d.rideId, paymentId: row?.id, status: 'succeeded' }, 'cancellation fee charged']]);
  });

  it('gives a fee without a stated reason the reason "late cancellation"; a ride without a driver is charged too', async () => {
    const f = fakes();
    await handle(cancelled({ driverId: null }), { log: f.log }, f.stores);
    expect(f.written[0]?.charge).toMatchObject({ reason: 'late cancellation', driver_id: null });
    expect(f.written[0]?.event?.data).toMatchObject({ reason: 'late cancellation', driverId: null });
  });

  it('charges nothing, and asks the gateway nothing, for a cancellation without a fee or with a zero fee', async () => {
    const f = fakes();
    expect(await handle(cancelled({ fee: null }), { log: f.log }, f.stores)).toBeNull();
    expect(await handle(cancelled({ fee: { amount: 0, currency: 'EUR' } }), { log: f.log }, f.stores)).toBeNull();
    expect(f.asked).toEqual([]);
    expect(f.written).toEqual([]);
    expect(f.logged).toEqual([]);
  });
});
