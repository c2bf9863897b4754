import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { cacheUser } from '../../platform/auth/session-cache.js';
import { user } from './schemas.js';
import { findUserById, toUser } from './store.js';

const spec = httpSpec('accounts-me');

const route = routeOf(spec, {
  responses: { 200: { description: 'Your profile', content: { 'application/json': { schema: user } } } },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const principal = c.get('principal');
  // The verifier already fetched the cached profile in its one Redis round trip.
  if (principal.user) return c.json(principal.user, 200);
  const row = await findUserById(principal.userId);
  if (!row) throw notFound('user');
  const fresh = toUser(row);
  await cacheUser(fresh);
  return c.json(fresh, 200);
});
