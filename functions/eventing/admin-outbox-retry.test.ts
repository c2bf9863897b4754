import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { problemOf } from '../test-support.js';
import { handle, type Stores } from './admin-outbox-retry.js';

const log = { info: () => undefined };

describe('eventing-admin-outbox-retry handle', () => {
  it('returns the row made due; 404 when it is gone, 409 when it is not parked', async () => {
    const id = randomUUID();
    const row = { service: 'payments' as const, id, source: 's', type: 't', subject: 'x', time: new Date(0), data: {}, created_at: new Date(0), attempts: 0, last_error: 'e' };
    const answer = (outcome: 'unparked' | 'not_parked' | 'missing'): Stores => ({
      unparkRow: async (service, rowId) => {
        expect([service, rowId]).toEqual(['payments', id]);
        return outcome === 'unparked' ? { outcome, row } : { outcome };
      },
    });
    expect(await handle({ service: 'payments', id, log }, answer('unparked'))).toMatchObject({ id, service: 'payments', attempts: 0 });
    expect((await problemOf(handle({ service: 'payments', id, log }, answer('missing')))).status).toBe(404);
    expect((await problemOf(handle({ service: 'payments', id, log }, answer('not_parked')))).status).toBe(409);
  });
});
