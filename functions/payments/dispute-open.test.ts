import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TRX, problemOf, recordedEnqueue, recordedTransaction } from '../test-support.js';
import { handle, type Stores } from './dispute-open.js';
import type { DisputeRow } from './disputes.js';
import type { PaymentRow } from './store.js';
import { at, paymentRow } from './test-support.js';

const HOUR = 3_600_000;

function fakes(rows: PaymentRow[], opts: { open?: boolean; now?: number } = {}) {
  const steps: string[] = [];
  const events: { type: string; data: unknown }[] = [];
  const stores: Stores = {
    transaction: recordedTransaction(steps),
    ridePayments: async (trx, rideId) => (expect(trx).toBe(TRX), rows.filter((r) => r.ride_id === rideId)),
    insertDispute: async (_trx, d) => {
      steps.push('insert');
      if (opts.open) return null;
      const row: DisputeRow = {
        id: randomUUID(), ride_id: d.rideId, rider_id: d.riderId, payment_id: d.paymentId, reason: d.reason, status: 'open',
        refund_id: null, refund_amount: null, note: null, resolved_by: null, created_at: at(10), resolved_at: null,
      };
      return row;
    },
    enqueueEvent: recordedEnqueue('payments-dispute-open', steps, events),
    windowHours: () => 168,
    now: () => opts.now ?? at(0).getTime() + HOUR,
  };
  return { stores, steps, events };
}
const log = { info: () => undefined };
const reason = 'the driver went the long way round';

describe('payments-dispute-open handle', () => {
  it('opens a dispute on the fare of the rider’s ride, with its event, in one transaction', async () => {
    const fare = paymentRow();
    const f = fakes([fare]);
    const d = await handle({ rideId: fare.ride_id, riderId: fare.rider_id, reason, log }, f.stores);
    expect(d).toMatchObject({ rideId: fare.ride_id, riderId: fare.rider_id, paymentId: fare.id, status: 'open', currency: 'EUR' });
    expect(f.steps).toEqual(['begin', 'insert', 'event microride.dispute.opened', 'commit']);
    expect(f.events[0]!.data).toEqual({ disputeId: d.id, rideId: fare.ride_id, riderId: fare.rider_id, paymentId: fare.id, reason });
  });

  it('404 when no payment of the ride is the caller’s (another rider’s ride, or no fare yet)', async () => {
    const fare = paymentRow();
    expect((await problemOf(handle({ rideId: fare.ride_id, riderId: randomUUID(), reason, log }, fakes([fare]).stores))).status).toBe(404);
    expect((await problemOf(handle({ rideId: randomUUID(), riderId: fare.rider_id, reason, log }, fakes([fare]).stores))).status).toBe(404);
  });

  it('409: a cancelled ride (fee only), a fare not charged or refunded in full, a closed window, an open dispute', async () => {
    const rider = randomUUID();
    const cases: [PaymentRow[], Parameters<typeof fakes>[1], string][] = [
      [[paymentRow({ rider_id: rider, kind: 'cancellation_fee' })], {}, 'not_completed'],
      [[paymentRow({ rider_id: rider, status: 'pending' })], {}, 'pending'],
      [[paymentRow({ rider_id: rider, status: 'failed' })], {}, 'failed'],
      [[paymentRow({ rider_id: rider, status: 'refunded' })], {}, 'refunded'],
      [[paymentRow({ rider_id: rider })], { now: at(0).getTime() + 168 * HOUR + 1 }, 'window_closed'],
      [[paymentRow({ rider_id: rider })], { open: true }, 'open'],
    ];
    for (const [rows, opts, status] of cases) {
      const f = fakes(rows, opts);
      const p = await problemOf(handle({ rideId: rows[0]!.ride_id, riderId: rider, reason, log }, f.stores));
      expect([p.status, p.extra?.currentStatus], status).toEqual([409, status]);
      expect(f.steps.at(-1)).toBe('rollback');
      expect(f.events).toEqual([]);
    }
  });

  it('the window’s last moment is still inside it', async () => {
    const fare = paymentRow();
    const f = fakes([fare], { now: at(0).getTime() + 168 * HOUR });
    await expect(handle({ rideId: fare.ride_id, riderId: fare.rider_id, reason, log }, f.stores)).resolves.toMatchObject({ status: 'open' });
  });
});
