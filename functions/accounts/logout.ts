import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { revokeSession } from '../../platform/auth/session-cache.js';
import { revokeSessionRow } from './store.js';

const spec = httpSpec('accounts-logout');

const route = routeOf(spec, {
  responses: { 204: { description: 'Session revoked: its access and refresh tokens stop working on every function' } },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { sessionId, userId } = c.get('principal');
  // Redis first: that is what every verifier checks, so the revocation is live at once.
  await revokeSession(sessionId);
  await revokeSessionRow(db(), sessionId, 'logout');
  c.get('log').info({ userId, sessionId }, 'logout');
  return c.body(null, 204);
});
