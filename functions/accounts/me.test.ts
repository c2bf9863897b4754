import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './me.js';
import type { User } from './schemas.js';
import type { UserRow } from './store.js';
import { userRow } from './test-support.js';

function fakes(rows: UserRow[]) {
  const reads: string[] = [];
  const cached: User[] = [];
  const stores: Stores = {
    findUserById: async (id) => (reads.push(id), rows.find((r) => r.id === id)),
    cacheUser: async (u) => void cached.push(u),
  };
  return { stores, reads, cached };
}

describe('accounts-me handle', () => {
  it('answers from the profile the verifier already found in Redis, without a database read', async () => {
    const { stores, reads, cached } = fakes([]);
    const user: User = { id: randomUUID(), email: 'ada@example.com', name: 'Ada', role: 'admin', status: 'active', createdAt: '2026-01-02T03:04:05.000Z' };
    expect(await handle({ userId: user.id, user }, stores)).toBe(user);
    expect(reads).toEqual([]);
    expect(cached).toEqual([]);
  });

  it('reads the database when the cache had nothing, caches the profile again, and never shows the hash', async () => {
    const r = userRow();
    const { stores, reads, cached } = fakes([r]);
    const out = await handle({ userId: r.id, user: null }, stores);
    const expected = { id: r.id, email: 'ada@example.com', name: 'Ada', role: 'rider', status: 'active', createdAt: '2026-01-02T03:04:05.000Z' };
    expect(out).toEqual(expected);
    expect(reads).toEqual([r.id]);
    expect(cached).toEqual([expected]);
    expect(JSON.stringify(out)).not.toContain('scrypt');
  });

  it('is a 404 when the account is gone', async () => {
    const { stores, cached } = fakes([]);
    const err = await handle({ userId: randomUUID(), user: null }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(404);
    expect((err as HttpProblem).detail).toBe('user not found');
    expect(cached).toEqual([]);
  });
});
