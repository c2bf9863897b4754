import { describe, expect, it } from 'vitest';
import { handle } from './admin-deadletters.js';
import { deadLetterRow } from './test-support.js';

describe('eventing-admin-deadletters handle', () => {
  it('shows each dead letter by its own id, with the knativeerror* data and the whole event', async () => {
    const row = deadLetterRow();
    const asked: unknown[] = [];
    const page = await handle({ type: 'microride.ride.rated', limit: 5, offset: 0 }, {
      listDeadLetters: async (f) => (asked.push(f), { rows: [row], total: 1 }),
    });
    expect(asked).toEqual([{ type: 'microride.ride.rated', limit: 5, offset: 0 }]);
    expect(page).toMatchObject({ total: 1, limit: 5, offset: 0 });
    expect(page.items[0]).toMatchObject({
      id: row.row_id,
      eventId: row.id,
      knativeerrordest: 'http://drivers-rating',
      knativeerrorcode: 500,
      knativeerrordata: row.error_data,
      errorText: 'down',
      receivedAt: '2026-12-03T10:00:01.000Z',
      replays: 0,
      replayedAt: null,
      event: row.event,
    });
  });
});
