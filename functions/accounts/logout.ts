import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { revokeSession } from '../../platform/auth/session-cache.js';
import { revokeSessionRow } from './store.js';

const spec = httpSpec('accounts-logout');

const route = routeOf(spec, {
  responses: { 204: { description: 'Session revoked: its access and refresh tokens stop working on every function' } },
});

/** The Redis revocation mark every verifier checks, and the sessions table; fakes in the unit test. */
export interface Stores {
  revokeSession(sessionId: string): Promise<void>;
  /** Marks the session's row revoked (outside any transaction). */
  revokeSessionRow(sessionId: string, reason: string): Promise<void>;
}

/** Revokes the caller's session: its access and refresh tokens stop working everywhere. */
export async function handle(
  { sessionId, userId, log }: { sessionId: string; userId: string; log: Pick<Logger, 'info'> },
  stores: Stores = { revokeSession, revokeSessionRow: (id, reason) => revokeSessionRow(db(), id, reason) },
): Promise<void> {
  // Redis first: that is what every verifier checks, so the revocation is live at once.
  await stores.revokeSession(sessionId);
  await stores.revokeSessionRow(sessionId, 'logout');
  log.info({ userId, sessionId }, 'logout');
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  await handle({ ...c.get('principal'), log: c.get('log') });
  return c.body(null, 204);
});
