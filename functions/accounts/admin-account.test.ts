import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { AdminAccountError, createAdmin, type Stores } from './admin-account.js';
import type { UserRow } from './store.js';

function fakes(taken = new Set<string>()) {
  const inserted: { email: string; role: string; passwordHash: string }[] = [];
  const stores: Stores = {
    hashPassword: async (p) => `hash(${p})`,
    transaction: (work) => work({} as Knex.Transaction),
    insertUser: async (_trx, u) => {
      if (taken.has(u.email.toLowerCase())) return null;
      inserted.push(u);
      const row: UserRow = { id: randomUUID(), email: u.email, name: u.name, role: u.role, status: 'active', password_hash: u.passwordHash, created_at: new Date() };
      return row;
    },
  };
  return { stores, inserted };
}

describe('createAdmin', () => {
  it('creates an account with role admin and a hashed password', async () => {
    const { stores, inserted } = fakes();
    const user = await createAdmin({ email: 'ops@example.com', password: 'long enough pw' }, stores);
    expect(user).toMatchObject({ email: 'ops@example.com', role: 'admin', status: 'active', name: 'Administrator' });
    expect(inserted).toEqual([{ email: 'ops@example.com', name: 'Administrator', role: 'admin', passwordHash: 'hash(long enough pw)' }]);
  });

  it('names each bad field and writes nothing', async () => {
    const { stores, inserted } = fakes();
    const err = await createAdmin({ email: 'not-an-email', password: 'short' }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminAccountError);
    expect((err as AdminAccountError).kind).toBe('invalid');
    expect((err as Error).message).toContain('--email: must be an email address');
    expect((err as Error).message).toContain('--password: must be at least 10 characters');
    expect(inserted).toEqual([]);
  });

  it('says so when the email is taken', async () => {
    const { stores } = fakes(new Set(['ops@example.com']));
    const err = await createAdmin({ email: 'OPS@example.com', password: 'long enough pw' }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminAccountError);
    expect((err as AdminAccountError).kind).toBe('exists');
    expect((err as Error).message).toMatch(/already exists/);
  });
});
