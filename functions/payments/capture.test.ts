import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventData } from '../../contracts/events.js';
import { handle } from './capture.js';
import { fakeChargeStores } from './test-support.js';

const completed = (over: Partial<EventData<'microride.ride.completed'>> = {}): EventData<'microride.ride.completed'> => ({
  rideId: randomUUID(),
  riderId: randomUUID(),
  driverId: randomUUID(),
  distanceMeters: 4200,
  durationSeconds: 780,
  fare: { amount: 1450, currency: 'EUR' },
  ...over,
});

describe('payments-capture handle', () => {
  it('keeps upfront pricing’s basis and reason with the charge, for the receipt', async () => {
    const f = fakeChargeStores({ PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'auto' });
    await handle(completed({ basis: 'measured', reason: 'distance 38 % over the quote' }), { log: f.log }, f.stores);
    expect(f.written[0]!.charge.details).toEqual({ distanceMeters: 4200, durationSeconds: 780, fareBasis: 'measured', fareReason: 'distance 38 % over the quote' });
  });

  it('charges the fare once under the ride’s key; the simulated gateway approves and the success is announced', async () => {
    const f = fakeChargeStores({ PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'auto' });
    const d = completed();
    const row = await handle(d, { log: f.log }, f.stores);

    expect(f.asked).toEqual([[`fare:${d.rideId}`, 1]]);
    expect(f.written).toHaveLength(1);
    const { spec, charge: c, event } = f.written[0]!;
    expect(spec).toBe('payments-capture');
    expect(c).toEqual({
      id: expect.any(String),
      ride_id: d.rideId,
      rider_id: d.riderId,
      driver_id: d.driverId,
      kind: 'fare',
      amount: 1450,
      currency: 'EUR',
      reason: null,
      status: 'succeeded',
      idempotency_key: `fare:${d.rideId}`,
      refund_of: null,
      details: { distanceMeters: 4200, durationSeconds: 780 },
      attempts: 1,
      last_message: 'approved (simulated gateway)',
    });
    expect(event).toEqual({
      type: 'microride.payment.succeeded',
      subject: c.id,
      data: { paymentId: c.id, rideId: d.rideId, riderId: d.riderId, driverId: d.driverId, kind: 'fare', amount: 1450, currency: 'EUR' },
    });
    expect(row?.id).toBe(c.id);
    expect(f.logged).toEqual([[{ rideId: d.rideId, paymentId: c.id, status: 'succeeded', amount: 1450 }, 'fare charged']]);
  });

  it('records a decline of the simulated gateway as failed and announces the failure', async () => {
    const f = fakeChargeStores({ PAYMENT_SUCCESS_RATE: 0, PAYMENT_CAPTURE_MODE: 'auto' });
    await handle(completed(), { log: f.log }, f.stores);
    expect(f.written[0]?.charge).toMatchObject({ status: 'failed', last_message: 'card declined (simulated gateway)' });
    expect(f.written[0]?.event?.type).toBe('microride.payment.failed');
  });

  it('in manual mode leaves the charge pending and announces nothing yet', async () => {
    const f = fakeChargeStores({ PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'manual' });
    await handle(completed(), { log: f.log }, f.stores);
    expect(f.written[0]?.charge).toMatchObject({ status: 'pending', last_message: 'awaiting a simulated outcome (manual mode)' });
    expect(f.written[0]?.event).toBeNull();
  });

  it('charges nothing for a redelivery, even one re-emitted with a new event id: the key is the ride’s', async () => {
    const f = fakeChargeStores({ PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'auto' });
    const d = completed();
    await handle(d, { log: f.log }, f.stores);
    expect(await handle({ ...d }, { log: f.log }, f.stores)).toBeNull();
    expect(f.asked).toEqual([[`fare:${d.rideId}`, 1], [`fare:${d.rideId}`, 1]]);
    expect(f.written).toHaveLength(1);
    expect(f.logged).toHaveLength(1);
  });
});
