import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { problemOf } from '../test-support.js';
import { handle, type Stores } from './admin-enable.js';
import { userRow } from './test-support.js';

describe('accounts-admin-enable handle', () => {
  it('enables and caches the active profile; revokes nothing (old sessions stay revoked)', async () => {
    const user = userRow({ status: 'disabled' });
    const steps: string[] = [];
    const stores: Stores = {
      setUserStatus: async (id, status) => (steps.push(`db ${id} ${status}`), { row: { ...user, status }, revoked: [] }),
      cacheUser: async (u) => void steps.push(`cache ${u.status}`),
      revokeSession: async (sid) => void steps.push(`revoke ${sid}`),
    };
    const out = await handle({ id: user.id, adminId: randomUUID(), log: { info: () => undefined } }, stores);
    expect(out).toMatchObject({ user: { status: 'active' }, revokedSessions: 0 });
    expect(steps).toEqual([`db ${user.id} active`, 'cache active']);
  });

  it('an admin may enable their own account (nothing to lock out); an unknown user is 404', async () => {
    const self = userRow({ role: 'admin' });
    const stores: Stores = {
      setUserStatus: async (id, status) => (id === self.id ? { row: { ...self, status }, revoked: [] } : undefined),
      cacheUser: async () => undefined,
      revokeSession: async () => expect.fail('enabling revokes nothing'),
    };
    const log = { info: () => undefined };
    expect((await handle({ id: self.id, adminId: self.id, log }, stores)).user.status).toBe('active');
    expect((await problemOf(handle({ id: randomUUID(), adminId: self.id, log }, stores))).status).toBe(404);
  });
});
