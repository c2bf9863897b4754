import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OUTBOX_SERVICES } from '../../contracts/outbox.js';
import { handle } from './admin-parked.js';
import type { ParkedOutboxRow } from './outbox-store.js';

const row = (): ParkedOutboxRow => ({
  service: 'rides', id: randomUUID(), source: '/microride/rides-rate', type: 'microride.ride.rated', subject: 'r', time: new Date('2026-12-03T10:00:00Z'),
  data: { stars: 1 }, created_at: new Date('2026-12-03T10:00:00Z'), attempts: 4, last_error: 'broker answered 400',
});

describe('eventing-admin-parked handle', () => {
  it('reads one service when asked, every outbox service otherwise', async () => {
    const asked: (readonly string[])[] = [];
    const r = row();
    const stores = { listParked: async (services: readonly string[]) => (asked.push(services), { rows: [r], total: 1 }) };
    const one = await handle({ service: 'rides', limit: 10, offset: 0 }, stores);
    await handle({ limit: 10, offset: 0 }, stores);
    expect(asked).toEqual([['rides'], OUTBOX_SERVICES]);
    expect(one.items[0]).toEqual({
      service: 'rides', id: r.id, source: r.source, type: r.type, subject: 'r', time: '2026-12-03T10:00:00.000Z', data: { stars: 1 },
      createdAt: '2026-12-03T10:00:00.000Z', attempts: 4, lastError: 'broker answered 400',
    });
  });
});
