import type { Knex } from 'knex';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { unauthorized } from '../../platform/problem.js';
import { cacheUser, revokeSession } from '../../platform/auth/session-cache.js';
import { refreshBody, tokens, type User } from './schemas.js';
import { findUserById, lockRefreshToken, markRefreshUsed, revokeSessionRow, toUser, transaction, type RefreshRow, type UserRow } from './store.js';
import { hashToken, tokenPair, type TokenPair } from './tokens.js';

const spec = httpSpec('accounts-refresh');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: refreshBody } }, required: true } },
  responses: { 200: { description: 'New token pair (the old refresh token is now spent)', content: { 'application/json': { schema: tokens } } } },
});

/** The token, session and user tables (one transaction), then the Redis revocation mark and profile cache; fakes in the unit test. */
export interface Stores {
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  lockRefreshToken(trx: Knex.Transaction, tokenHash: string): Promise<RefreshRow | undefined>;
  revokeSessionRow(trx: Knex.Transaction, sessionId: string, reason: string): Promise<void>;
  findUserById(id: string): Promise<UserRow | undefined>;
  markRefreshUsed(trx: Knex.Transaction, id: string): Promise<void>;
  tokenPair(trx: Knex.Transaction, user: User, sessionId: string): Promise<TokenPair>;
  revokeSession(sessionId: string): Promise<void>;
  cacheUser(user: User): Promise<void>;
}

type Outcome = { ok: true; pair: TokenPair } | { ok: false; reason: string; revoke?: string };

/** Spends a refresh token for the session's next pair; a spent token presented again revokes the session. */
export async function handle(
  { refreshToken, log }: { refreshToken: string; log: Pick<Logger, 'warn'> },
  stores: Stores = { transaction, lockRefreshToken, revokeSessionRow, findUserById, markRefreshUsed, tokenPair, revokeSession, cacheUser },
): Promise<TokenPair> {
  const outcome = await stores.transaction(async (trx): Promise<Outcome> => {
    const row = await stores.lockRefreshToken(trx, hashToken(refreshToken));
    if (!row) return { ok: false, reason: 'unknown refresh token' };
    if (row.revoked_at) return { ok: false, reason: 'session revoked' };
    if (row.used_at) {
      // A spent token came back: it was copied. Kill the whole family (RFC 9700 §4.14.2).
      await stores.revokeSessionRow(trx, row.session_id, 'refresh token reuse');
      return { ok: false, reason: 'refresh token reuse detected; the session is revoked', revoke: row.session_id };
    }
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'refresh token expired' };
    const userRow = await stores.findUserById(row.user_id);
    if (!userRow || userRow.status !== 'active') return { ok: false, reason: 'account disabled' };
    await stores.markRefreshUsed(trx, row.id);
    return { ok: true, pair: await stores.tokenPair(trx, toUser(userRow), row.session_id) };
  });
  if (!outcome.ok) {
    if (outcome.revoke) {
      await stores.revokeSession(outcome.revoke);
      log.warn({ sessionId: outcome.revoke }, 'refresh token reuse; session revoked');
    }
    throw unauthorized(outcome.reason);
  }
  await stores.cacheUser(outcome.pair.user);
  return outcome.pair;
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('json'), log: c.get('log') }), 200));
