/**
 * Rows and fakes for payments' unit tests (<operation>.test.ts), which give `handle` fake
 * stores instead of PostgreSQL. Only tests import this file, so no function bundle holds it
 * (test/architecture/floors.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ChargeStores } from './charging.js';
import { charge } from './gateway.js';
import type { PaymentSettings } from './settings.js';
import type { PaymentRow } from './store.js';
import type { NewCharge, PaymentEvent } from './writes.js';

/** Minute `m` of the tests' morning (2026-03-01, 09:mm UTC). */
export const at = (m: number) => new Date(Date.UTC(2026, 2, 1, 9, m));

/** A payment as PostgreSQL returns it: a succeeded fare of a ride of its own unless `over` says otherwise; its key follows the ride. */
export function paymentRow(over: Partial<PaymentRow> = {}): PaymentRow {
  const rideId = over.ride_id ?? randomUUID();
  return {
    id: randomUUID(),
    ride_id: rideId,
    rider_id: randomUUID(),
    driver_id: randomUUID(),
    kind: 'fare',
    amount: 1450,
    currency: 'EUR',
    status: 'succeeded',
    attempts: 1,
    idempotency_key: `fare:${rideId}`,
    refund_of: null,
    refunded_amount: 0,
    reason: null,
    last_message: 'approved (simulated gateway)',
    details: {},
    created_at: at(0),
    updated_at: at(0),
    ...over,
  };
}

/** One ride's payments: `row` is a payment of that ride between its rider and driver, with the trip's distance and duration. */
export function ridePayments() {
  const [rideId, riderId, driverId] = [randomUUID(), randomUUID(), randomUUID()];
  const row = (over: Partial<PaymentRow> = {}): PaymentRow =>
    paymentRow({ ride_id: rideId, rider_id: riderId, driver_id: driverId, details: { distanceMeters: 4200, durationSeconds: 780 }, updated_at: at(1), ...over });
  return { rideId, riderId, driverId, row };
}

/**
 * The charge statement's stores (chargeOnce): the real simulated gateway with `settings`
 * fixed, asked through a spy; the insert faked: it keeps the charge unless its idempotency
 * key was taken before. `log` records what the operation logs.
 */
export function fakeChargeStores(settings: PaymentSettings = { PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'auto' }) {
  const asked: [string, number][] = [];
  const written: { spec: string; charge: NewCharge; event: PaymentEvent | null }[] = [];
  const keys = new Set<string>();
  const logged: unknown[][] = [];
  const stores: ChargeStores = {
    charge: (key, n) => {
      asked.push([key, n]);
      return charge(key, n, settings);
    },
    insertCharge: async (spec, c, event) => {
      if (keys.has(c.idempotency_key)) return undefined;
      keys.add(c.idempotency_key);
      written.push({ spec: spec.name, charge: c, event });
      const now = new Date();
      return { ...c, refunded_amount: 0, created_at: now, updated_at: now } satisfies PaymentRow;
    },
  };
  const log = { info: (...args: unknown[]) => void logged.push(args) };
  return { stores, asked, written, logged, log };
}
