/**
 * Rows for eventing's unit tests (<operation>.test.ts). Only tests import this file, so no
 * function bundle holds it (test/architecture/floors.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type { StoredDeadLetter } from './store.js';

/** A dead letter as PostgreSQL returns it: a ride.rated event refused with a 500 by drivers-rating. */
export function deadLetterRow(over: Partial<StoredDeadLetter> = {}): StoredDeadLetter {
  const id = over.id ?? randomUUID();
  return {
    row_id: randomUUID(),
    source: '/microride/rides-rate',
    id,
    type: 'microride.ride.rated',
    subject: 'ride-1',
    error_dest: 'http://drivers-rating',
    error_code: 500,
    error_data: Buffer.from('down').toString('base64'),
    error_text: 'down',
    event: {
      specversion: '1.0',
      id,
      source: '/microride/rides-rate',
      type: 'microride.ride.rated',
      subject: 'ride-1',
      time: '2026-12-03T10:00:00.000Z',
      datacontenttype: 'application/json',
      data: { stars: 5 },
      knativeerrordest: 'http://drivers-rating',
      knativeerrorcode: '500',
      knativeerrordata: Buffer.from('down').toString('base64'),
      knativebrokerttl: '254',
    },
    received_at: new Date('2026-12-03T10:00:01.000Z'),
    replays: 0,
    replayed_at: null,
    ...over,
  };
}
