import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type RefundRequest, type Stores } from './refund.js';
import type { NewPayment, PaymentRow, PaymentStatus } from './store.js';
import type { NewAttempt, PaymentEvent } from './writes.js';
import { at, paymentRow } from './test-support.js';

/** An in-memory payments table behind the refund transaction; `devMode` is the faked MICRORIDE_DEV_MODE setting. */
function fakes(rows: PaymentRow[], devMode = false) {
  const table = new Map(rows.map((r) => [r.id, r]));
  const inserted: { p: NewPayment; status: PaymentStatus }[] = [];
  const attempts: NewAttempt[] = [];
  const updates: { id: string; refundedAmount: number; status: PaymentStatus }[] = [];
  const events: PaymentEvent[] = [];
  const locked: string[] = [];
  const stores: Stores = {
    settings: () => ({ MICRORIDE_DEV_MODE: devMode }),
    inTransaction: (work) =>
      work({
        lockPayment: async (id) => {
          locked.push(id);
          return table.get(id);
        },
        paymentByKey: async (key) => [...table.values()].find((r) => r.idempotency_key === key),
        insertPayment: async (p, status) => {
          inserted.push({ p, status });
          const r = paymentRow({
            ride_id: p.rideId, rider_id: p.riderId, driver_id: p.driverId, kind: p.kind, amount: p.amount, currency: p.currency, status,
            idempotency_key: p.idempotencyKey, reason: p.reason ?? null, refund_of: p.refundOf ?? null, attempts: p.attempts ?? 0, last_message: null, created_at: at(4), updated_at: at(4),
          });
          table.set(r.id, r);
          return r;
        },
        addAttempt: async (a) => void attempts.push(a),
        setRefunded: async (id, refundedAmount, status) => {
          updates.push({ id, refundedAmount, status });
          table.set(id, { ...table.get(id)!, refunded_amount: refundedAmount, status });
        },
        enqueue: async (spec, e) => {
          expect(spec.name).toBe('payments-refund');
          events.push(e);
        },
      }),
  };
  return { stores, table, inserted, attempts, updates, events, locked };
}

const admin = { userId: randomUUID(), role: 'admin' as const };
const fail = (input: RefundRequest, stores: Stores) => handle(input, stores).then(() => expect.fail('expected a problem'), (e: unknown) => e as HttpProblem);

describe('payments-refund handle', () => {
  it('is for admins only outside dev mode: a rider gets a 403 and no transaction is begun', async () => {
    const charge = paymentRow();
    const f = fakes([charge], false);
    const err = await fail({ id: charge.id, userId: charge.rider_id, role: 'rider' }, f.stores);
    expect(err).toBeInstanceOf(HttpProblem);
    expect(err.status).toBe(403);
    expect(err.detail).toBe('refunding is for admins (or any user when MICRORIDE_DEV_MODE=true)');
    expect(f.locked).toEqual([]);
  });

  it('refunds everything left by default (simulated: it always goes through) and marks the charge refunded', async () => {
    const charge = paymentRow();
    const f = fakes([charge]);
    const { status, body } = await handle({ id: charge.id, ...admin }, f.stores);

    expect(status).toBe(201);
    expect(f.locked).toEqual([charge.id]);
    expect(f.inserted).toEqual([
      {
        p: {
          rideId: charge.ride_id, riderId: charge.rider_id, driverId: charge.driver_id, kind: 'refund', amount: 1450, currency: 'EUR',
          idempotencyKey: `refund:${charge.id}:default`, reason: null, refundOf: charge.id, attempts: 1,
        },
        status: 'succeeded',
      },
    ]);
    expect(f.attempts).toEqual([{ payment_id: body.id, attempt: 1, outcome: 'succeeded', decided_by: 'gateway', message: 'refunded (simulated gateway)', settled: true }]);
    expect(f.updates).toEqual([{ id: charge.id, refundedAmount: 1450, status: 'refunded' }]);
    expect(f.events).toEqual([
      {
        type: 'microride.payment.refunded',
        subject: body.id,
        data: { paymentId: body.id, rideId: charge.ride_id, riderId: charge.rider_id, driverId: charge.driver_id, kind: 'refund', amount: 1450, currency: 'EUR' },
      },
    ]);
    expect(body).toMatchObject({ kind: 'refund', amount: 1450, status: 'succeeded', refundOf: charge.id });
    expect(JSON.stringify(body)).not.toContain('refund:');
  });

  it('in dev mode lets anyone refund part, under the Idempotency-Key; the charge stays succeeded', async () => {
    const charge = paymentRow({ refunded_amount: 200 });
    const f = fakes([charge], true);
    const { status } = await handle({ id: charge.id, amount: 300, reason: 'detour', idempotencyKey: 'r1', userId: charge.rider_id, role: 'rider' }, f.stores);
    expect(status).toBe(201);
    expect(f.inserted[0]?.p).toMatchObject({ amount: 300, reason: 'detour', idempotencyKey: `refund:${charge.id}:r1` });
    expect(f.updates).toEqual([{ id: charge.id, refundedAmount: 500, status: 'succeeded' }]);
    expect(f.events[0]?.data).toMatchObject({ amount: 300, reason: 'detour' });
  });

  it('answers a replayed key with the refund it made before (200), writing nothing', async () => {
    const charge = paymentRow();
    const f = fakes([charge]);
    const first = await handle({ id: charge.id, amount: 100, idempotencyKey: 'r1', ...admin }, f.stores);
    const again = await handle({ id: charge.id, amount: 100, idempotencyKey: 'r1', ...admin }, f.stores);
    expect(again).toEqual({ status: 200, body: first.body });
    expect(f.inserted).toHaveLength(1);
    expect(f.events).toHaveLength(1);
  });

  it('is a 409 for more than is left, naming the amount field', async () => {
    const charge = paymentRow({ refunded_amount: 950 });
    const f = fakes([charge]);
    const err = await fail({ id: charge.id, amount: 501, ...admin }, f.stores);
    expect(err.status).toBe(409);
    expect(err.detail).toBe('only 500 EUR cents are left to refund');
    expect(err.extra).toEqual({ errors: [{ path: 'amount', message: 'at most 500' }] });
    expect(f.inserted).toEqual([]);
  });

  it('is a 409 for a charge that did not succeed and for a refund; a 404 for an unknown payment', async () => {
    const failed = paymentRow({ status: 'failed' });
    const refund = paymentRow({ kind: 'refund' });
    const f = fakes([failed, refund]);
    const notSucceeded = await fail({ id: failed.id, ...admin }, f.stores);
    expect(notSucceeded.status).toBe(409);
    expect(notSucceeded.detail).toBe('only a succeeded charge can be refunded; this one is failed');
    expect(notSucceeded.extra).toEqual({ currentStatus: 'failed' });
    expect((await fail({ id: refund.id, ...admin }, f.stores)).detail).toBe('a refund cannot be refunded');
    expect((await fail({ id: randomUUID(), ...admin }, f.stores)).status).toBe(404);
    expect(f.inserted).toEqual([]);
    expect(f.events).toEqual([]);
  });
});
