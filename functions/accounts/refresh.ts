import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { unauthorized } from '../../platform/problem.js';
import { cacheUser, revokeSession } from '../../platform/auth/session-cache.js';
import { refreshBody, tokens } from './schemas.js';
import { findUserById, lockRefreshToken, markRefreshUsed, revokeSessionRow, toUser } from './store.js';
import { hashToken, tokenPair } from './tokens.js';

const spec = httpSpec('accounts-refresh');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: refreshBody } }, required: true } },
  responses: { 200: { description: 'New token pair (the old refresh token is now spent)', content: { 'application/json': { schema: tokens } } } },
});

type Outcome = { ok: true; pair: Awaited<ReturnType<typeof tokenPair>> } | { ok: false; reason: string; revoke?: string };

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { refreshToken } = c.req.valid('json');
  const outcome = await db().transaction(async (trx): Promise<Outcome> => {
    const row = await lockRefreshToken(trx, hashToken(refreshToken));
    if (!row) return { ok: false, reason: 'unknown refresh token' };
    if (row.revoked_at) return { ok: false, reason: 'session revoked' };
    if (row.used_at) {
      // A spent token came back: it was copied. Kill the whole family (RFC 9700 §4.14.2).
      await revokeSessionRow(trx, row.session_id, 'refresh token reuse');
      return { ok: false, reason: 'refresh token reuse detected; the session is revoked', revoke: row.session_id };
    }
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, reason: 'refresh token expired' };
    const userRow = await findUserById(row.user_id);
    if (!userRow || userRow.status !== 'active') return { ok: false, reason: 'account disabled' };
    await markRefreshUsed(trx, row.id);
    return { ok: true, pair: await tokenPair(trx, toUser(userRow), row.session_id) };
  });
  if (!outcome.ok) {
    if (outcome.revoke) {
      await revokeSession(outcome.revoke);
      c.get('log').warn({ sessionId: outcome.revoke }, 'refresh token reuse; session revoked');
    }
    throw unauthorized(outcome.reason);
  }
  await cacheUser(outcome.pair.user);
  return c.json(outcome.pair, 200);
});
