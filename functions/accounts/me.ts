import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { cacheUser, type CachedUser } from '../../platform/auth/session-cache.js';
import type { Principal } from '../../platform/auth/verify.js';
import { user, type User } from './schemas.js';
import { findUserById, toUser, type UserRow } from './store.js';

const spec = httpSpec('accounts-me');

const route = routeOf(spec, {
  responses: { 200: { description: 'Your profile', content: { 'application/json': { schema: user } } } },
});

/** The users table and the Redis profile cache; fakes in the unit test. */
export interface Stores {
  findUserById(id: string): Promise<UserRow | undefined>;
  cacheUser(user: User): Promise<void>;
}

/** The caller's profile: the cached one when the verifier found it, else the database's, which is cached again. */
export async function handle({ userId, user }: Pick<Principal, 'userId' | 'user'>, stores: Stores = { findUserById, cacheUser }): Promise<User | CachedUser> {
  // The verifier already fetched the cached profile in its one Redis round trip.
  if (user) return user;
  const row = await stores.findUserById(userId);
  if (!row) throw notFound('user');
  const fresh = toUser(row);
  await stores.cacheUser(fresh);
  return fresh;
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.get('principal')), 200));
