import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { tooManyRequests } from '../../platform/rate-limit.js';
import { handle, type Stores } from './register.js';
import type { UserRow } from './store.js';
import { recordedEnqueue, recordedTransaction, TRX } from '../test-support.js';
import { PASSWORD, userRow } from './test-support.js';

/** A users table holding the emails in `taken`; `steps` records every call in order. */
function fakeStores(taken: string[] = []) {
  const steps: string[] = [];
  const rows: UserRow[] = [];
  const events: Parameters<Stores['enqueueEvent']>[2][] = [];
  const logs: [unknown, string | undefined][] = [];
  const stores: Stores = {
    checkRegisterRate: async (ip) => void steps.push(`rate ${ip}`),
    hashPassword: async (password) => (steps.push('hash'), `scrypt$fake$${password.length}`),
    transaction: recordedTransaction(steps),
    async insertUser(trx, u) {
      expect(trx).toBe(TRX);
      steps.push('insert');
      if (taken.some((e) => e.toLowerCase() === u.email.toLowerCase())) return null;
      const row = userRow({ email: u.email, name: u.name, role: u.role, password_hash: u.passwordHash });
      rows.push(row);
      return row;
    },
    enqueueEvent: recordedEnqueue('accounts-register', steps, events),
    async cacheUser(user) {
      steps.push(`cache ${user.id}`);
    },
  };
  const log = { info: (obj: unknown, msg?: string) => void logs.push([obj, msg]) };
  return { stores, steps, rows, events, logs, log };
}

describe('accounts-register handle', () => {
  it('stores only the hash, emits user.registered in the same transaction, caches the profile, and returns it without the hash', async () => {
    const { stores, steps, rows, events, logs, log } = fakeStores();
    const out = await handle({ email: 'Ada@Example.com', password: PASSWORD, name: 'Ada', role: 'driver', ip: '203.0.113.5', log }, stores);

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'Ada@Example.com', name: 'Ada', role: 'driver', password_hash: `scrypt$fake$${PASSWORD.length}` });
    expect(out).toEqual({ id: rows[0]!.id, email: 'Ada@Example.com', name: 'Ada', role: 'driver', status: 'active', createdAt: '2026-01-02T03:04:05.000Z' });
    expect(events).toEqual([{ type: 'microride.user.registered', subject: out.id, data: { userId: out.id, role: 'driver', email: 'Ada@Example.com' } }]);
    // Hashing (the slow part) happens before the transaction opens; the cache only after it commits.
    expect(steps).toEqual(['rate 203.0.113.5', 'hash', 'begin', 'insert', 'event microride.user.registered', 'commit', `cache ${out.id}`]);
    expect(logs).toEqual([[{ userId: out.id, role: 'driver' }, 'user registered']]);
    expect(JSON.stringify({ out, events, logs })).not.toContain(PASSWORD);
    expect(JSON.stringify(out)).not.toContain('scrypt');
  });

  it('is a 409 on the email field when the address is taken, and emits, caches and logs nothing', async () => {
    const { stores, steps, events, logs, log } = fakeStores(['ada@example.com']);
    const err = await handle({ email: 'ADA@example.com', password: PASSWORD, name: 'Ada', role: 'rider', ip: '203.0.113.5', log }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('an account with this email already exists');
    expect((err as HttpProblem).extra.errors).toEqual([{ path: 'email', message: 'already registered' }]);
    expect(events).toEqual([]);
    expect(logs).toEqual([]);
    expect(steps).toEqual(['rate 203.0.113.5', 'hash', 'begin', 'insert', 'commit']);
  });

  it('is refused by the per-address limit before any scrypt work or write', async () => {
    const { stores, steps, rows, log } = fakeStores();
    stores.checkRegisterRate = async (ip) => {
      steps.push(`rate ${ip}`);
      throw tooManyRequests({ what: 'registrations', setting: 'REGISTER_RATE_LIMIT' }, 1_500);
    };
    const err = await handle({ email: 'eve@example.com', password: PASSWORD, name: 'Eve', role: 'rider', ip: '198.51.100.9', log }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(429);
    expect((err as HttpProblem).extra.headers).toEqual({ 'retry-after': '2' });
    expect((err as HttpProblem).extra.limit).toBe('REGISTER_RATE_LIMIT');
    expect(steps).toEqual(['rate 198.51.100.9']);
    expect(rows).toEqual([]);
  });
});
