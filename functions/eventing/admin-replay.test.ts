import { randomUUID } from 'node:crypto';
import type { CloudEvent } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './admin-replay.js';
import { deadLetterRow } from './test-support.js';
import type { StoredDeadLetter } from './store.js';

function fakes(rows: StoredDeadLetter[], refuse = new Set<string>()) {
  const published: CloudEvent<unknown>[] = [];
  const marked: string[] = [];
  const stores: Stores = {
    deadLettersByIds: async (ids) => rows.filter((r) => ids.includes(r.row_id)),
    publish: async (e) => {
      if (refuse.has(e.id)) throw new Error('broker answered 400');
      published.push(e);
    },
    markReplayed: async (id) => {
      marked.push(id);
      const r = rows.find((x) => x.row_id === id);
      return r && { ...r, replays: r.replays + 1 };
    },
  };
  return { stores, published, marked };
}
const log = { info: () => undefined, warn: () => undefined };

describe('eventing-admin-replay handle', () => {
  it('re-publishes the original event (same id, source, type, time, data) without what the broker added', async () => {
    const row = deadLetterRow({ replays: 1 });
    const f = fakes([row]);
    const out = await handle({ ids: [row.row_id], log }, f.stores);
    expect(out.results).toEqual([{ id: row.row_id, outcome: 'replayed', eventId: row.id, replays: 2 }]);
    const [e] = f.published;
    expect(e).toMatchObject({ id: row.id, source: '/microride/rides-rate', type: 'microride.ride.rated', subject: 'ride-1', time: '2026-12-03T10:00:00.000Z', data: { stars: 5 } });
    for (const k of ['knativeerrordest', 'knativeerrorcode', 'knativeerrordata', 'knativebrokerttl']) expect(e).not.toHaveProperty(k);
    expect(f.marked).toEqual([row.row_id]);
  });

  it('answers per id in order: unknown ones not_found, refused ones failed (not marked), repeats once', async () => {
    const ok = deadLetterRow();
    const refused = deadLetterRow();
    const unknown = randomUUID();
    const f = fakes([ok, refused], new Set([refused.id]));
    const out = await handle({ ids: [unknown, refused.row_id, ok.row_id, ok.row_id], log }, f.stores);
    expect(out.results.map((r) => [r.id, r.outcome])).toEqual([
      [unknown, 'not_found'],
      [refused.row_id, 'failed'],
      [ok.row_id, 'replayed'],
    ]);
    expect(out.results[1]!.error).toMatch(/400/);
    expect(f.marked).toEqual([ok.row_id]);
  });
});
