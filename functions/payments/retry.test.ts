import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './retry.js';
import { charge } from './gateway.js';
import type { PaymentSettings } from './settings.js';
import type { AttemptRow, PaymentRow } from './store.js';
import type { NewAttempt, PaymentEvent } from './writes.js';
import { at, paymentRow } from './test-support.js';

/** A fare the gateway declined. */
const row = (over: Partial<PaymentRow> = {}): PaymentRow => paymentRow({ status: 'failed', last_message: 'card declined (simulated gateway)', ...over });

/**
 * The payment in memory; the real simulated gateway with fixed settings behind a spy;
 * `changedMeanwhile` makes the compare-and-set on the attempt count miss.
 */
function fakes(p: PaymentRow, settings: PaymentSettings, opts: { changedMeanwhile?: boolean } = {}) {
  let current = p;
  const asked: [string, number][] = [];
  const added: NewAttempt[] = [];
  const events: PaymentEvent[] = [];
  const logged: unknown[][] = [];
  let transactions = 0;
  const stores: Stores = {
    findPayment: async (id) => (id === current.id ? current : undefined),
    attemptsOf: async (id): Promise<AttemptRow[]> =>
      added.filter((a) => a.payment_id === id).map((a, i) => ({ ...a, id: String(i), created_at: at(3), settled_at: a.settled ? at(3) : null })),
    charge: (key, n) => {
      asked.push([key, n]);
      return charge(key, n, settings);
    },
    inTransaction: async (work) => {
      transactions += 1;
      return work({
        recordAttempt: async (r, n, answer) => {
          if (opts.changedMeanwhile || current.attempts !== r.attempts) return undefined;
          current = { ...current, attempts: n, status: answer.outcome, last_message: answer.message, updated_at: at(3) };
          return current;
        },
        addAttempt: async (a) => void added.push(a),
        enqueue: async (_spec, e) => void events.push(e),
      });
    },
  };
  return { stores, asked, added, events, logged, log: { info: (...a: unknown[]) => void logged.push(a) }, transactions: () => transactions };
}

const approving: PaymentSettings = { PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'auto' };

describe('payments-retry handle', () => {
  it('charges a failed payment again under its idempotency key as the next attempt, and announces the outcome', async () => {
    const p = row();
    const f = fakes(p, approving);
    const out = await handle({ id: p.id, userId: p.rider_id, role: 'rider' }, { log: f.log }, f.stores);

    expect(f.asked).toEqual([[p.idempotency_key, 2]]);
    expect(f.added).toEqual([{ payment_id: p.id, attempt: 2, outcome: 'succeeded', decided_by: 'gateway', message: 'approved (simulated gateway)', settled: true }]);
    expect(f.events).toEqual([
      {
        type: 'microride.payment.succeeded',
        subject: p.id,
        data: { paymentId: p.id, rideId: p.ride_id, riderId: p.rider_id, driverId: p.driver_id, kind: 'fare', amount: 1450, currency: 'EUR' },
      },
    ]);
    expect(out).toMatchObject({ id: p.id, status: 'succeeded', attempts: 2, lastMessage: 'approved (simulated gateway)' });
    expect(out.history).toEqual([{ attempt: 2, outcome: 'succeeded', decidedBy: 'gateway', message: 'approved (simulated gateway)', at: at(3).toISOString() }]);
    expect(JSON.stringify(out)).not.toContain(p.idempotency_key);
    expect(f.logged).toEqual([[{ paymentId: p.id, attempt: 2, status: 'succeeded' }, 'payment retried']]);
  });

  it('leaves the attempt pending and announces nothing in manual mode', async () => {
    const p = row();
    const f = fakes(p, { PAYMENT_SUCCESS_RATE: 1, PAYMENT_CAPTURE_MODE: 'manual' });
    const out = await handle({ id: p.id, userId: randomUUID(), role: 'admin' }, { log: f.log }, f.stores);
    expect(out.status).toBe('pending');
    expect(f.added[0]).toMatchObject({ outcome: 'pending', settled: false });
    expect(f.events).toEqual([]);
  });

  it('is a 404 for anyone but the rider and admins, as for an unknown payment', async () => {
    const p = row();
    const f = fakes(p, approving);
    for (const input of [{ id: p.id, userId: p.driver_id!, role: 'driver' as const }, { id: randomUUID(), userId: p.rider_id, role: 'rider' as const }]) {
      const err = await handle(input, { log: f.log }, f.stores).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpProblem);
      expect((err as HttpProblem).status).toBe(404);
      expect((err as HttpProblem).detail).toBe('payment not found');
    }
    expect(f.asked).toEqual([]);
  });

  it('is a 409 for a payment that is not failed, without asking the gateway', async () => {
    const p = row({ status: 'succeeded' });
    const f = fakes(p, approving);
    const err = await handle({ id: p.id, userId: p.rider_id, role: 'rider' }, { log: f.log }, f.stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('only a failed payment can be retried; this one is succeeded');
    expect((err as HttpProblem).extra).toEqual({ currentStatus: 'succeeded' });
    expect(f.asked).toEqual([]);
    expect(f.transactions()).toBe(0);
  });

  it('is a 409 and writes nothing more when another retry got there first', async () => {
    const p = row();
    const f = fakes(p, approving, { changedMeanwhile: true });
    const err = await handle({ id: p.id, userId: p.rider_id, role: 'rider' }, { log: f.log }, f.stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('the payment changed meanwhile; reload it');
    expect(f.added).toEqual([]);
    expect(f.events).toEqual([]);
    expect(f.logged).toEqual([]);
  });
});
