import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { problemOf } from '../test-support.js';
import { handle, type Stores } from './admin-disable.js';
import { userRow } from './test-support.js';
import type { UserRow } from './store.js';

function fakes(row: UserRow | undefined, revoked: string[] = []) {
  const steps: string[] = [];
  const stores: Stores = {
    setUserStatus: async (id, status) => {
      steps.push(`db ${id} ${status}`);
      return row && row.id === id ? { row: { ...row, status }, revoked: status === 'disabled' ? revoked : [] } : undefined;
    },
    cacheUser: async (u) => void steps.push(`cache ${u.status}`),
    revokeSession: async (sid) => void steps.push(`revoke ${sid}`),
  };
  return { stores, steps };
}

const log = { info: () => undefined };

describe('accounts-admin-disable handle', () => {
  it('disables in the database, then marks the cached profile disabled and revokes each live session', async () => {
    const user = userRow();
    const f = fakes(user, ['s1', 's2']);
    const out = await handle({ id: user.id, adminId: randomUUID(), log }, f.stores);
    expect(out).toMatchObject({ user: { id: user.id, status: 'disabled' }, revokedSessions: 2 });
    expect(f.steps).toEqual([`db ${user.id} disabled`, 'cache disabled', 'revoke s1', 'revoke s2']);
  });

  it('404 for an unknown user; 409 for an admin disabling themselves, before any write', async () => {
    const f = fakes(undefined);
    expect((await problemOf(handle({ id: randomUUID(), adminId: randomUUID(), log }, f.stores))).status).toBe(404);
    const self = randomUUID();
    const g = fakes(userRow({ id: self, role: 'admin' }));
    expect((await problemOf(handle({ id: self, adminId: self, log }, g.stores))).status).toBe(409);
    expect(g.steps).toEqual([]);
  });
});
