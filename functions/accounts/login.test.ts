import { describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './login.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { UserRow } from './store.js';
import { problemOf, recordedTransaction, TRX } from '../test-support.js';
import { PASSWORD, userRow } from './test-support.js';

/** Ada, whose fake password "hash" is `fake:<password>`. */
const account = (over: Partial<UserRow> = {}): UserRow => userRow({ password_hash: `fake:${PASSWORD}`, ...over });

/** Fakes for every dependency; `steps` records the calls in order. The password "hash" is `fake:<password>`. */
function fakeStores(users: UserRow[], over: Partial<Stores> = {}) {
  const steps: string[] = [];
  const logs: [unknown, string | undefined][] = [];
  const stores: Stores = {
    checkLoginRate: async (email, ip) => void steps.push(`rate ${email} ${ip}`),
    findUserByEmail: async (email) => (steps.push(`find ${email}`), users.find((u) => u.email.toLowerCase() === email.toLowerCase())),
    verifyPassword: async (password, stored) => (steps.push('verify'), stored === `fake:${password}`),
    burnPasswordCheck: async () => (steps.push('burn'), false),
    transaction: recordedTransaction(steps),
    async createSession(trx, sessionId, userId) {
      expect(trx).toBe(TRX);
      steps.push(`session ${sessionId} ${userId}`);
    },
    async tokenPair(trx, user, sessionId) {
      expect(trx).toBe(TRX);
      steps.push(`tokens ${sessionId}`);
      return { accessToken: `access-${sessionId}`, refreshToken: `refresh-${sessionId}`, tokenType: 'Bearer', expiresIn: 900, user };
    },
    cacheUser: async (user) => void steps.push(`cache ${user.id}`),
    ...over,
  };
  const log = { info: (obj: unknown, msg?: string) => void logs.push([obj, msg]) };
  return { stores, steps, logs, log };
}

describe('accounts-login handle', () => {
  it('opens a session, issues its first pair in the same transaction, caches the profile and logs the session id', async () => {
    const u = account();
    const { stores, steps, logs, log } = fakeStores([u]);
    const out = await handle({ email: 'Ada@Example.com', password: PASSWORD, ip: '203.0.113.7', log }, stores);

    const sessionId = out.accessToken.replace('access-', '');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(steps).toEqual([
      'rate Ada@Example.com 203.0.113.7',
      'find Ada@Example.com',
      'verify',
      'begin',
      `session ${sessionId} ${u.id}`,
      `tokens ${sessionId}`,
      'commit',
      `cache ${u.id}`,
    ]);
    expect(out).toEqual({
      accessToken: `access-${sessionId}`,
      refreshToken: `refresh-${sessionId}`,
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: u.id, email: 'ada@example.com', name: 'Ada', role: 'rider', status: 'active', createdAt: '2026-01-02T03:04:05.000Z' },
    });
    expect(JSON.stringify(out)).not.toContain(u.password_hash);
    expect(logs).toEqual([[{ userId: u.id, sessionId }, 'login']]);
  });

  it('checks the rate limit before anything else, and its 429 (with Retry-After) is the answer', async () => {
    const tooMany = new HttpProblem(429, 'too many login attempts for this email; retry in 42 s', { headers: { 'retry-after': '42' } });
    const { stores, steps, log } = fakeStores([account()], {
      checkLoginRate: async () => {
        throw tooMany;
      },
    });
    await expect(handle({ email: 'ada@example.com', password: PASSWORD, ip: '203.0.113.7', log }, stores)).rejects.toBe(tooMany);
    expect(steps).toEqual([]);
  });

  it('gives one answer for an unknown email and a wrong password, and spends a password check on both', async () => {
    const { stores, steps, logs, log } = fakeStores([account()]);
    const unknown = await problemOf(handle({ email: 'nobody@example.com', password: PASSWORD, ip: '203.0.113.7', log }, stores));
    const wrong = await problemOf(handle({ email: 'ada@example.com', password: 'not the password', ip: '203.0.113.7', log }, stores));
    for (const p of [unknown, wrong]) {
      expect(p.status).toBe(401);
      expect(p.detail).toBe('email or password is wrong');
      expect(p.extra.headers).toEqual({ 'www-authenticate': 'Bearer realm="microride"' });
    }
    expect(steps).toEqual(['rate nobody@example.com 203.0.113.7', 'find nobody@example.com', 'burn', 'rate ada@example.com 203.0.113.7', 'find ada@example.com', 'verify']);
    expect(logs).toEqual([]);
  });

  it('refuses a disabled account only after the right password, and opens no session', async () => {
    const { stores, steps, log } = fakeStores([account({ status: 'disabled' })]);
    const p = await problemOf(handle({ email: 'ada@example.com', password: PASSWORD, ip: '203.0.113.7', log }, stores));
    expect(p.status).toBe(401);
    expect(p.detail).toBe('account disabled');
    expect(steps).not.toContain('begin');
  });

  it('checks a stored scrypt hash with the real password functions', async () => {
    // The lowest cost the settings allow: the stored format carries it, so verification follows.
    provideSettings({ SCRYPT_LOG_N: '10' });
    const u = account({ password_hash: await hashPassword(PASSWORD).finally(() => provideSettings({ SCRYPT_LOG_N: undefined })) });
    expect(u.password_hash).toMatch(/^scrypt\$10\$8\$1\$/);
    const { stores, log } = fakeStores([u], { verifyPassword });
    await expect(handle({ email: u.email, password: PASSWORD, ip: '203.0.113.7', log }, stores)).resolves.toMatchObject({ user: { id: u.id } });
    expect((await problemOf(handle({ email: u.email, password: `${PASSWORD}!`, ip: '203.0.113.7', log }, stores))).status).toBe(401);
  });
});
