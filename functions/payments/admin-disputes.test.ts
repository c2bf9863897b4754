import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handle } from './admin-disputes.js';
import { at } from './test-support.js';

describe('payments-admin-disputes handle', () => {
  it('passes the filter on and shows each dispute with its fare’s currency', async () => {
    const row = {
      id: randomUUID(), ride_id: randomUUID(), rider_id: randomUUID(), payment_id: randomUUID(), reason: 'detour', status: 'open' as const,
      refund_id: null, refund_amount: null, note: null, resolved_by: null, created_at: at(1), resolved_at: null, currency: 'EUR',
    };
    const asked: unknown[] = [];
    const page = await handle({ status: 'open', limit: 10, offset: 0 }, { listDisputes: async (f) => (asked.push(f), { rows: [row], total: 1 }) });
    expect(asked).toEqual([{ status: 'open', limit: 10, offset: 0 }]);
    expect(page.items).toEqual([
      {
        id: row.id, rideId: row.ride_id, riderId: row.rider_id, paymentId: row.payment_id, reason: 'detour', status: 'open', refundId: null,
        refundAmount: null, currency: 'EUR', note: null, resolvedBy: null, createdAt: at(1).toISOString(), resolvedAt: null,
      },
    ]);
    expect(page.total).toBe(1);
  });
});
