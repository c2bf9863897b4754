import { CloudEvent } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { recordingLog } from '../test-support.js';
import { handle, type Stores } from './deadletters.js';
import type { DeadLetterRow } from './store.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/** A dead letter as the receiver parses it: the broker's knativeerror* extensions arrive as header text. */
const deadLetter = (extensions: Record<string, string> = {}) =>
  new CloudEvent<unknown>({
    id: 'e-1',
    source: '/microride/rides-complete',
    type: 'microride.ride.completed',
    subject: 'ride-1',
    datacontenttype: 'application/json',
    data: { fare: -1 },
    ...extensions,
  });

function fakes() {
  const rows: DeadLetterRow[] = [];
  const { log, lines } = recordingLog();
  const stores: Stores = { insertDeadLetter: async (row) => void rows.push(row) };
  return { rows, lines, log, stores };
}

describe('eventing-deadletters handle', () => {
  it('stores the event with the failed destination, its status and its answer as text, and logs it', async () => {
    const f = fakes();
    const e = deadLetter({ knativeerrordest: 'http://payments-capture/', knativeerrorcode: '422', knativeerrordata: b64('fare is negative') });
    await handle(e, f, f.stores);

    expect(f.rows).toEqual([
      {
        source: '/microride/rides-complete',
        id: 'e-1',
        type: 'microride.ride.completed',
        subject: 'ride-1',
        error_dest: 'http://payments-capture/',
        error_code: 422,
        error_data: b64('fare is negative'),
        error_text: 'fare is negative',
        event: expect.any(String),
      },
    ]);
    const stored = JSON.parse(f.rows[0]!.event) as Record<string, unknown>;
    expect(stored).toMatchObject({ id: 'e-1', data: { fare: -1 }, knativeerrorcode: '422' });
    expect(f.lines).toEqual([
      // An alert: level error, a stable `alert` field (the metric is the count of these lines).
      expect.objectContaining({ level: 50, alert: 'dead_letter', msg: 'dead letter stored', id: 'e-1', type: 'microride.ride.completed', dest: 'http://payments-capture/', code: 422, error: 'fare is negative' }),
    ]);
  });

  it('without the extensions: destination "unknown", no code, no data', async () => {
    const f = fakes();
    const e = new CloudEvent<unknown>({ id: 'e-2', source: '/x', type: 'test.refused', data: { a: 1 } });
    await handle(e, f, f.stores);
    expect(f.rows[0]).toMatchObject({ id: 'e-2', subject: null, error_dest: 'unknown', error_code: null, error_data: null, error_text: null });
  });

  it('a code that is not a number is no code; an answer that is not text is kept but not decoded', async () => {
    const f = fakes();
    const binary = b64(Buffer.from([0xff, 0xfe, 0x00, 0x81]));
    await handle(deadLetter({ knativeerrordest: 'http://x/', knativeerrorcode: 'timeout', knativeerrordata: binary }), f, f.stores);
    expect(f.rows[0]).toMatchObject({ error_code: null, error_data: binary, error_text: null });
    expect(f.lines[0]).not.toHaveProperty('error');
  });

  it('stores a long answer whole and logs its first 300 characters', async () => {
    const f = fakes();
    const long = 'x'.repeat(1_000);
    await handle(deadLetter({ knativeerrordest: 'http://x/', knativeerrorcode: '500', knativeerrordata: b64(long) }), f, f.stores);
    expect(f.rows[0]!.error_text).toBe(long);
    expect(f.lines[0]!.error).toBe('x'.repeat(300));
  });

  it('fails (so the broker delivers it again) when the row cannot be written, and says nothing was stored', async () => {
    const f = fakes();
    f.stores.insertDeadLetter = async () => {
      throw new Error('postgres down');
    };
    await expect(handle(deadLetter({ knativeerrordest: 'http://x/' }), f, f.stores)).rejects.toThrow('postgres down');
    expect(f.lines).toEqual([]);
  });
});
