import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './list.js';
import type { RideListQuery, RideRow } from './store.js';
import { problemOf } from '../test-support.js';
import { asDriver, asRider, driverId, rideIn, riderId } from './test-support.js';

type Listed = RideRow & { at_text: string };

const listed = (n: number): Listed[] =>
  Array.from({ length: n }, (_, i) => ({ ...rideIn('completed'), at_text: `2026-12-01 10:00:0${9 - i}.123456+00` }));

function stores(rows: Listed[]): Stores & { asked: RideListQuery[] } {
  const asked: RideListQuery[] = [];
  return {
    asked,
    listRides: async (q) => {
      asked.push(q);
      return rows.slice(0, q.limit);
    },
  };
}

describe('rides-list handle', () => {
  it('asks for one row more than the page, and the extra row makes a cursor of the last shown one', async () => {
    const rows = listed(3);
    const s = stores(rows);
    const page = await handle({ limit: 2, status: 'completed' }, asRider, s);
    expect(s.asked).toEqual([{ userId: riderId, role: 'rider', status: 'completed', limit: 3, before: undefined }]);
    expect(page.items.map((r) => r.id)).toEqual([rows[0]!.id, rows[1]!.id]);
    expect(page.items[0]).not.toHaveProperty('at_text');
    expect(page.nextCursor).not.toBeNull();

    // The cursor carries PostgreSQL's text of the time (microseconds intact) and the id.
    await handle({ limit: 2, cursor: page.nextCursor! }, asRider, s);
    expect(s.asked[1]!.before).toEqual([rows[1]!.at_text, rows[1]!.id]);
  });

  it('says there is no next page when the store had no extra row', async () => {
    const s = stores(listed(2));
    const page = await handle({ limit: 2 }, asDriver, s);
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
    expect(s.asked[0]).toMatchObject({ userId: driverId, role: 'driver', limit: 3 });
    expect((await handle({ limit: 5 }, asDriver, stores([])))).toEqual({ items: [], nextCursor: null });
  });

  it('refuses a cursor it did not make with a 422 naming the field, before reading anything', async () => {
    const s = stores(listed(1));
    for (const cursor of ['not-base64-json', Buffer.from(JSON.stringify(['2026-12-01', 'not-a-uuid'])).toString('base64url')]) {
      const p = await problemOf(handle({ limit: 2, cursor }, asRider, s));
      expect(p.status).toBe(422);
      expect(p.extra.errors).toEqual([{ path: 'cursor', message: 'use nextCursor from the previous page' }]);
    }
    expect(s.asked).toEqual([]);
  });
});
