import type { Knex } from 'knex';
import type { HttpFunction } from '../../contracts/catalog-types.js';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict } from '../../platform/problem.js';
import { clientIp } from '../../platform/client-ip.js';
import { cacheUser } from '../../platform/auth/session-cache.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import type { EventInput } from '../../platform/events/emit.js';
import { registerBody, user, type RegisterBody, type User } from './schemas.js';
import { hashPassword } from './passwords.js';
import { insertUser, toUser, transaction, type UserRow } from './store.js';
import { checkRegisterRate } from './rate-limit.js';

const spec = httpSpec('accounts-register');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: registerBody } }, required: true } },
  responses: {
    201: { description: 'Account created', content: { 'application/json': { schema: user } } },
    409: { description: 'Email already registered' },
    429: { description: 'Too many registrations from this address (REGISTER_RATE_LIMIT); see Retry-After' },
  },
});

/**
 * The per-address limit (Redis), the password hash, the users table and its outbox (one
 * transaction), then the Redis profile cache; fakes in the unit test.
 */
export interface Stores {
  /** Throws the 429 (with Retry-After) when the client address is over REGISTER_RATE_LIMIT. */
  checkRegisterRate(ip: string): Promise<void>;
  hashPassword(password: string): Promise<string>;
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  insertUser(trx: Knex.Transaction, u: { email: string; name: string; role: User['role']; passwordHash: string }): Promise<UserRow | null>;
  enqueueEvent(trx: Knex.Transaction, spec: HttpFunction, event: EventInput<'microride.user.registered'>): Promise<unknown>;
  cacheUser(user: User): Promise<void>;
}

/** Creates the account and its microride.user.registered event together; 409 when the email is taken, whatever its case. */
export async function handle(
  { email, password, name, role, ip, log }: RegisterBody & { ip: string; log: Pick<Logger, 'info'> },
  stores: Stores = { checkRegisterRate, hashPassword, transaction, insertUser, enqueueEvent, cacheUser },
): Promise<User> {
  // Before the hash: a refused registration must not cost its ~50 ms of scrypt.
  await stores.checkRegisterRate(ip);
  const passwordHash = await stores.hashPassword(password);
  const created = await stores.transaction(async (trx) => {
    const row = await stores.insertUser(trx, { email, name, role, passwordHash });
    if (!row) return null;
    const user = toUser(row);
    await stores.enqueueEvent(trx, spec, { type: 'microride.user.registered', subject: user.id, data: { userId: user.id, role: user.role, email: user.email } });
    return user;
  });
  if (!created) throw conflict('an account with this email already exists', { errors: [{ path: 'email', message: 'already registered' }] });
  await stores.cacheUser(created);
  log.info({ userId: created.id, role: created.role }, 'user registered');
  return created;
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('json'), ip: clientIp(c), log: c.get('log') }), 201, { location: '/api/v1/users/me' }),
);
