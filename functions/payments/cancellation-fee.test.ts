import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventData } from '../../contracts/events.js';
import { handle } from './cancellation-fee.js';
import { fakeChargeStores } from './test-support.js';

const cancelled = (over: Partial<EventData<'microride.ride.cancelled'>> = {}): EventData<'microride.ride.cancelled'> => ({
  rideId: randomUUID(),
  riderId: randomUUID(),
  driverId: randomUUID(),
  by: 'rider',
  fee: { amount: 500, currency: 'EUR' },
  ...over,
});

describe('payments-cancellation-fee handle', () => {
  it('charges the fee once per ride under its cancellation key, with the reason, and announces it', async () => {
    const f = fakeChargeStores();
    const d = cancelled({ reason: 'rider cancelled after the driver arrived' });
    const row = await handle(d, { log: f.log }, f.stores);

    expect(f.asked).toEqual([[`cancellation_fee:${d.rideId}`, 1]]);
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
    const f = fakeChargeStores();
    await handle(cancelled({ driverId: null }), { log: f.log }, f.stores);
    expect(f.written[0]?.charge).toMatchObject({ reason: 'late cancellation', driver_id: null });
    expect(f.written[0]?.event?.data).toMatchObject({ reason: 'late cancellation', driverId: null });
  });

  it('charges nothing, and asks the gateway nothing, for a cancellation without a fee or with a zero fee', async () => {
    const f = fakeChargeStores();
    expect(await handle(cancelled({ fee: null }), { log: f.log }, f.stores)).toBeNull();
    expect(await handle(cancelled({ fee: { amount: 0, currency: 'EUR' } }), { log: f.log }, f.stores)).toBeNull();
    expect(f.asked).toEqual([]);
    expect(f.written).toEqual([]);
    expect(f.logged).toEqual([]);
  });
});
