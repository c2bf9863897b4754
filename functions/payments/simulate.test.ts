import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './simulate.js';
import type { AttemptRow, PaymentRow } from './store.js';
import type { NewAttempt, PaymentEvent } from './writes.js';
import { at, paymentRow } from './test-support.js';

/** A fare awaiting its simulated outcome (manual mode). */
const row = (over: Partial<PaymentRow> = {}): PaymentRow => paymentRow({ status: 'pending', last_message: 'awaiting a simulated outcome (manual mode)', ...over });

/**
 * An in-memory payments table and its attempts behind the injected stores; `devMode` is
 * the faked MICRORIDE_DEV_MODE setting; `raceTo` makes the settling statement find the
 * payment already moved on to that status.
 */
function fakes(p: PaymentRow, opts: { devMode?: boolean; attemptRow?: boolean; raceTo?: PaymentRow['status'] } = {}) {
  let current = p;
  const attempts: AttemptRow[] =
    opts.attemptRow === false ? [] : [{ id: '1', payment_id: p.id, attempt: p.attempts, outcome: 'pending', decided_by: 'gateway', message: current.last_message, created_at: at(0), settled_at: null }];
  const events: PaymentEvent[] = [];
  const put: NewAttempt[] = [];
  let transactions = 0;
  const stores: Stores = {
    findPayment: async (id) => (id === current.id ? current : undefined),
    attemptsOf: async (id) => attempts.filter((a) => a.payment_id === id),
    settings: () => ({ MICRORIDE_DEV_MODE: opts.devMode ?? false }),
    inTransaction: async (work) => {
      transactions += 1;
      return work({
        settlePending: async (r, outcome, message) => {
          if (opts.raceTo) current = { ...current, status: opts.raceTo };
          if (current.id !== r.id || current.status !== 'pending' || current.attempts !== r.attempts) return undefined;
          current = { ...current, status: outcome, last_message: message, updated_at: at(5) };
          return current;
        },
        settleAttempt: async (paymentId, attempt, outcome, message) => {
          const a = attempts.find((x) => x.payment_id === paymentId && x.attempt === attempt && x.outcome === 'pending');
          if (!a) return 0;
          Object.assign(a, { outcome, decided_by: 'simulate', message, settled_at: at(5) });
          return 1;
        },
        putAttempt: async (a) => {
          put.push(a);
          attempts.push({ id: '2', payment_id: a.payment_id, attempt: a.attempt, outcome: a.outcome, decided_by: a.decided_by, message: a.message, created_at: at(5), settled_at: at(5) });
        },
        enqueue: async (spec, event) => {
          expect(spec.name).toBe('payments-simulate');
          events.push(event);
        },
      });
    },
  };
  return { stores, events, put, transactions: () => transactions };
}

describe('payments-simulate handle', () => {
  it('is for admins only outside dev mode: a rider gets a 403 and nothing is read or written', async () => {
    const p = row();
    const f = fakes(p, { devMode: false });
    const err = await handle({ id: p.id, outcome: 'succeed', userId: p.rider_id, role: 'rider' }, f.stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(403);
    expect((err as HttpProblem).detail).toBe('simulating a gateway outcome is for admins (or any user when MICRORIDE_DEV_MODE=true)');
    expect(f.transactions()).toBe(0);
  });

  it('in dev mode lets anyone settle a pending charge as succeeded, with the attempt and the success event', async () => {
    const p = row();
    const f = fakes(p, { devMode: true });
    const out = await handle({ id: p.id, outcome: 'succeed', userId: randomUUID(), role: 'rider' }, f.stores);

    expect(out).toMatchObject({ id: p.id, status: 'succeeded', lastMessage: 'approved (simulated outcome)', attempts: 1 });
    expect(out.history).toEqual([{ attempt: 1, outcome: 'succeeded', decidedBy: 'simulate', message: 'approved (simulated outcome)', at: at(5).toISOString() }]);
    expect(f.events).toEqual([
      {
        type: 'microride.payment.succeeded',
        subject: p.id,
        data: { paymentId: p.id, rideId: p.ride_id, riderId: p.rider_id, driverId: p.driver_id, kind: 'fare', amount: 1450, currency: 'EUR' },
      },
    ]);
    expect(f.put).toEqual([]);
  });

  it('lets an admin fail a charge outside dev mode; the failure is announced', async () => {
    const p = row();
    const f = fakes(p, { devMode: false });
    const out = await handle({ id: p.id, outcome: 'fail', userId: randomUUID(), role: 'admin' }, f.stores);
    expect(out).toMatchObject({ status: 'failed', lastMessage: 'declined (simulated outcome)' });
    expect(f.events.map((e) => e.type)).toEqual(['microride.payment.failed']);
  });

  it('writes the attempt when the pending one is missing', async () => {
    const p = row({ attempts: 0 });
    const f = fakes(p, { devMode: true, attemptRow: false });
    await handle({ id: p.id, outcome: 'succeed', userId: randomUUID(), role: 'admin' }, f.stores);
    expect(f.put).toEqual([{ payment_id: p.id, attempt: 1, outcome: 'succeeded', decided_by: 'simulate', message: 'approved (simulated outcome)', settled: true }]);
  });

  it('is a 409 with the current status for a payment that is not pending, or stopped being so meanwhile', async () => {
    const settled = row({ status: 'succeeded' });
    const f = fakes(settled, { devMode: true });
    const err = await handle({ id: settled.id, outcome: 'fail', userId: randomUUID(), role: 'admin' }, f.stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('only a pending payment can be settled; this one is succeeded');
    expect((err as HttpProblem).extra).toEqual({ currentStatus: 'succeeded' });
    expect(f.transactions()).toBe(0);

    const raced = row();
    const r = fakes(raced, { devMode: true, raceTo: 'failed' });
    const lost = await handle({ id: raced.id, outcome: 'succeed', userId: randomUUID(), role: 'admin' }, r.stores).catch((e: unknown) => e);
    expect((lost as HttpProblem).status).toBe(409);
    expect((lost as HttpProblem).extra).toEqual({ currentStatus: 'failed' });
    expect(r.events).toEqual([]);
  });

  it('is a 404 for an unknown payment', async () => {
    const f = fakes(row(), { devMode: true });
    const err = await handle({ id: randomUUID(), outcome: 'succeed', userId: randomUUID(), role: 'admin' }, f.stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(404);
    expect((err as HttpProblem).detail).toBe('payment not found');
  });
});
