import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { problemOf } from '../test-support.js';
import { handle, type ResolveTx, type Stores } from './admin-resolve.js';
import type { DisputeRow } from './disputes.js';
import type { PaymentRow } from './store.js';
import { at, paymentRow } from './test-support.js';

/** One dispute on one fare, and a transaction that records what it did and rolls back on a throw. */
function fakes(over: Partial<DisputeRow> = {}) {
  const fare = paymentRow({ amount: 1000 });
  let dispute: DisputeRow = {
    id: randomUUID(), ride_id: fare.ride_id, rider_id: fare.rider_id, payment_id: fare.id, reason: 'detour', status: 'open',
    refund_id: null, refund_amount: null, note: null, resolved_by: null, created_at: at(5), resolved_at: null, ...over,
  };
  const payments = new Map<string, PaymentRow>([[fare.id, fare]]);
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const steps: string[] = [];
  const tx: ResolveTx = {
    lockDispute: async (id) => (id === dispute.id ? dispute : undefined),
    refund: {
      lockPayment: async (id) => payments.get(id),
      paymentByKey: async (key) => [...payments.values()].find((p) => p.idempotency_key === key),
      insertPayment: async (p, status) => {
        const r = paymentRow({ ride_id: p.rideId, rider_id: p.riderId, kind: 'refund', amount: p.amount, status, idempotency_key: p.idempotencyKey, refund_of: p.refundOf ?? null, reason: p.reason ?? null });
        payments.set(r.id, r);
        steps.push(`refund ${p.amount} key ${p.idempotencyKey}`);
        return r;
      },
      addAttempt: async () => undefined,
      setRefunded: async (id, amount, status) => void payments.set(id, { ...payments.get(id)!, refunded_amount: amount, status }),
      enqueue: async (spec, e) => {
        expect(spec.name).toBe('payments-admin-resolve');
        events.push(e as { type: string; data: Record<string, unknown> });
      },
    },
    resolveDispute: async (_id, r) => {
      steps.push(`resolve ${r.status}`);
      dispute = { ...dispute, status: r.status, refund_id: r.refundId, refund_amount: r.refundAmount, note: r.note, resolved_by: r.resolvedBy, resolved_at: at(9) };
      return dispute;
    },
    enqueue: async (spec, e) => {
      expect(spec.name).toBe('payments-admin-resolve');
      events.push(e as { type: string; data: Record<string, unknown> });
    },
  };
  const stores: Stores = {
    async inTransaction(work) {
      const out = await work(tx);
      steps.push('commit');
      return out;
    },
  };
  return { stores, steps, events, fare, get dispute() { return dispute; }, payments };
}
const log = { info: () => undefined };
const adminId = randomUUID();

describe('payments-admin-resolve handle', () => {
  it('a refund goes through the refund path (one per dispute) and the rider is told, all in one transaction', async () => {
    const f = fakes();
    const d = await handle({ id: f.dispute.id, adminId, body: { outcome: 'refund', amount: 300, note: 'detour confirmed' }, log }, f.stores);
    expect(d).toMatchObject({ status: 'refunded', refundAmount: 300, currency: 'EUR', note: 'detour confirmed', resolvedBy: adminId });
    expect(f.steps).toEqual([`refund 300 key dispute:${f.dispute.id}`, 'resolve refunded', 'commit']);
    expect(f.events.map((e) => e.type)).toEqual(['microride.payment.refunded', 'microride.dispute.resolved']);
    expect(f.events[1]!.data).toMatchObject({ disputeId: f.dispute.id, riderId: f.fare.rider_id, outcome: 'refund', amount: 300, refundId: d.refundId, currency: 'EUR' });
    expect(f.payments.get(f.fare.id)!.refunded_amount).toBe(300);
  });

  it('without an amount, refunds all that is left of the fare', async () => {
    const f = fakes();
    expect((await handle({ id: f.dispute.id, adminId, body: { outcome: 'refund', note: 'all' }, log }, f.stores)).refundAmount).toBe(1000);
    expect(f.payments.get(f.fare.id)!.status).toBe('refunded');
  });

  it('a rejection refunds nothing and tells the rider', async () => {
    const f = fakes();
    const d = await handle({ id: f.dispute.id, adminId, body: { outcome: 'reject', note: 'shortest route' }, log }, f.stores);
    expect(d).toMatchObject({ status: 'rejected', refundId: null, refundAmount: null });
    expect(f.events.map((e) => [e.type, e.data.outcome, e.data.amount])).toEqual([['microride.dispute.resolved', 'reject', null]]);
  });

  it('404 for no dispute, 409 when resolved already or asking more than is left; nothing is written', async () => {
    const f = fakes();
    expect((await problemOf(handle({ id: randomUUID(), adminId, body: { outcome: 'reject', note: 'x' }, log }, f.stores))).status).toBe(404);
    const p = await problemOf(handle({ id: f.dispute.id, adminId, body: { outcome: 'refund', amount: 1001, note: 'x' }, log }, f.stores));
    expect(p.status).toBe(409);
    const done = fakes({ status: 'rejected' });
    const q = await problemOf(handle({ id: done.dispute.id, adminId, body: { outcome: 'refund', note: 'x' }, log }, done.stores));
    expect([q.status, q.extra.currentStatus]).toEqual([409, 'rejected']);
    expect([...f.steps, ...done.steps]).toEqual([]);
    expect([...f.events, ...done.events]).toEqual([]);
  });
});
