import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './refresh.js';
import type { RefreshRow, UserRow } from './store.js';
import { problemOf, recordedTransaction, TRX } from '../test-support.js';
import { userRow } from './test-support.js';

const TOKEN = 'r'.repeat(43);
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

const tokenRow = (user: UserRow, over: Partial<RefreshRow> = {}): RefreshRow => ({
  id: randomUUID(),
  session_id: randomUUID(),
  token_hash: sha256(TOKEN),
  expires_at: new Date(Date.now() + 3_600_000),
  used_at: null,
  user_id: user.id,
  revoked_at: null,
  ...over,
});

/** One stored token and its user; `steps` records the calls in order, with the transaction's end. */
function fakeStores(user: UserRow | undefined, token: RefreshRow | undefined) {
  const steps: string[] = [];
  const warnings: [unknown, string | undefined][] = [];
  const stores: Stores = {
    transaction: recordedTransaction(steps),
    async lockRefreshToken(trx, tokenHash) {
      expect(trx).toBe(TRX);
      steps.push(`lock ${tokenHash}`);
      return token && token.token_hash === tokenHash ? token : undefined;
    },
    async revokeSessionRow(trx, sessionId, reason) {
      expect(trx).toBe(TRX);
      steps.push(`revoke row ${sessionId} (${reason})`);
    },
    findUserById: async (id) => (steps.push(`user ${id}`), user && user.id === id ? user : undefined),
    async markRefreshUsed(trx, id) {
      expect(trx).toBe(TRX);
      steps.push(`spend ${id}`);
    },
    async tokenPair(trx, u, sessionId) {
      expect(trx).toBe(TRX);
      steps.push(`tokens ${sessionId}`);
      return { accessToken: 'access', refreshToken: 'next-refresh', tokenType: 'Bearer', expiresIn: 900, user: u };
    },
    revokeSession: async (sessionId) => void steps.push(`revoke redis ${sessionId}`),
    cacheUser: async (u) => void steps.push(`cache ${u.id}`),
  };
  const log = { warn: (obj: unknown, msg?: string) => void warnings.push([obj, msg]) };
  return { stores, steps, warnings, log };
}

/** The 401 `work` was refused with. */
const unauthorizedOf = async (work: Promise<unknown>): Promise<HttpProblem> => {
  const p = await problemOf(work);
  expect(p.status).toBe(401);
  return p;
};

describe('accounts-refresh handle', () => {
  it('looks the token up by its hash only, spends it and issues the next pair of the same session', async () => {
    const u = userRow({ role: 'driver' });
    const t = tokenRow(u);
    const { stores, steps, log } = fakeStores(u, t);
    const out = await handle({ refreshToken: TOKEN, log }, stores);
    expect(steps).toEqual(['begin', `lock ${sha256(TOKEN)}`, `user ${u.id}`, `spend ${t.id}`, `tokens ${t.session_id}`, 'commit', `cache ${u.id}`]);
    expect(steps.join('\n')).not.toContain(TOKEN);
    expect(out).toEqual({
      accessToken: 'access',
      refreshToken: 'next-refresh',
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: u.id, email: 'ada@example.com', name: 'Ada', role: 'driver', status: 'active', createdAt: '2026-01-02T03:04:05.000Z' },
    });
  });

  it('revokes the whole session when a spent token comes back: the row in the committed transaction, then Redis', async () => {
    const u = userRow();
    const t = tokenRow(u, { used_at: new Date(Date.now() - 60_000) });
    const { stores, steps, warnings, log } = fakeStores(u, t);
    const p = await unauthorizedOf(handle({ refreshToken: TOKEN, log }, stores));
    expect(p.detail).toBe('refresh token reuse detected; the session is revoked');
    expect(steps).toEqual(['begin', `lock ${sha256(TOKEN)}`, `revoke row ${t.session_id} (refresh token reuse)`, 'commit', `revoke redis ${t.session_id}`]);
    expect(warnings).toEqual([[{ sessionId: t.session_id }, 'refresh token reuse; session revoked']]);
  });

  it('refuses an unknown token, a revoked session, an expired token and a disabled account, spending nothing', async () => {
    const u = userRow();
    const cases: [UserRow | undefined, RefreshRow | undefined, string][] = [
      [u, undefined, 'unknown refresh token'],
      [u, tokenRow(u, { revoked_at: new Date() }), 'session revoked'],
      [u, tokenRow(u, { expires_at: new Date(Date.now() - 1) }), 'refresh token expired'],
      [userRow({ id: u.id, status: 'disabled' }), tokenRow(u), 'account disabled'],
      [undefined, tokenRow(u), 'account disabled'],
    ];
    for (const [user, token, reason] of cases) {
      const { stores, steps, warnings, log } = fakeStores(user, token);
      expect((await unauthorizedOf(handle({ refreshToken: TOKEN, log }, stores))).detail).toBe(reason);
      expect(steps.filter((s) => /^(spend|tokens|cache|revoke)/.test(s))).toEqual([]);
      expect(warnings).toEqual([]);
    }
  });
});
