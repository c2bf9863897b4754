import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { unauthorized } from '../../platform/problem.js';
import { clientIp } from '../../platform/client-ip.js';
import { cacheUser } from '../../platform/auth/session-cache.js';
import { loginBody, tokens, type LoginBody, type User } from './schemas.js';
import { burnPasswordCheck, verifyPassword } from './passwords.js';
import { createSession, findUserByEmail, toUser, transaction, type UserRow } from './store.js';
import { tokenPair, type TokenPair } from './tokens.js';
import { checkLoginRate } from './rate-limit.js';

const spec = httpSpec('accounts-login');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: loginBody } }, required: true } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: tokens } } },
    429: { description: 'Too many attempts; see Retry-After' },
  },
});

/**
 * The rate limiter (Redis), the users table, scrypt, the session and token writes (one
 * transaction) and the Redis profile cache. The real ones by default; the unit test fakes
 * them, so it needs neither Redis nor the deliberate cost of scrypt.
 */
export interface Stores {
  /** Throws the 429 (with Retry-After) when the email or the client address is over its limit. */
  checkLoginRate(email: string, ip: string): Promise<void>;
  findUserByEmail(email: string): Promise<UserRow | undefined>;
  verifyPassword(password: string, stored: string): Promise<boolean>;
  /** A password check against nothing, taking as long as a real one. */
  burnPasswordCheck(password: string): Promise<false>;
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  createSession(trx: Knex.Transaction, sessionId: string, userId: string): Promise<void>;
  tokenPair(trx: Knex.Transaction, user: User, sessionId: string): Promise<TokenPair>;
  cacheUser(user: User): Promise<void>;
}

/** Signs in: a new session with its first access and refresh tokens. */
export async function handle(
  { email, password, ip, log }: LoginBody & { ip: string; log: Pick<Logger, 'info'> },
  stores: Stores = { checkLoginRate, findUserByEmail, verifyPassword, burnPasswordCheck, transaction, createSession, tokenPair, cacheUser },
): Promise<TokenPair> {
  await stores.checkLoginRate(email, ip);
  const row = await stores.findUserByEmail(email);
  const ok = row ? await stores.verifyPassword(password, row.password_hash) : await stores.burnPasswordCheck(password);
  // One answer for unknown email and wrong password: the response must not reveal which.
  if (!row || !ok) throw unauthorized('email or password is wrong');
  if (row.status !== 'active') throw unauthorized('account disabled');
  const user = toUser(row);
  const sessionId = randomUUID();
  const pair = await stores.transaction(async (trx) => {
    await stores.createSession(trx, sessionId, user.id);
    return stores.tokenPair(trx, user, sessionId);
  });
  await stores.cacheUser(user);
  log.info({ userId: user.id, sessionId }, 'login');
  return pair;
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('json'), ip: clientIp(c), log: c.get('log') }), 200));
