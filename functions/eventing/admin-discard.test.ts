import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { problemOf } from '../test-support.js';
import { handle } from './admin-discard.js';

describe('eventing-admin-discard handle', () => {
  it('deletes the dead letter; 404 when there is none', async () => {
    const rows = new Set<string>([randomUUID()]);
    const stores = { deleteDeadLetter: async (id: string) => rows.delete(id) };
    const [id] = [...rows];
    const log = { info: () => undefined };
    await expect(handle({ id: id!, log }, stores)).resolves.toBeUndefined();
    expect((await problemOf(handle({ id: id!, log }, stores))).status).toBe(404);
  });
});
