/**
 * Disabling and enabling a user (admin-disable.ts, admin-enable.ts). A disabled user's
 * tokens stop working at once, like a logout of every session: the cached profile that
 * every verifier reads with the revocation marks says `disabled`, each live session gets
 * its revocation mark (which also closes their websockets), and login and refresh read
 * the status from the users table.
 */
import type { Logger } from '../../platform/logger.js';
import { conflict, notFound } from '../../platform/problem.js';
import { cacheUser, revokeSession } from '../../platform/auth/session-cache.js';
import type { User, UserStatusChange } from './schemas.js';
import { setUserStatus, toUser } from './store.js';

/** The users and sessions tables (one transaction), then the Redis profile and revocation marks; fakes in the unit tests. */
export interface Stores {
  setUserStatus: typeof setUserStatus;
  cacheUser(user: User): Promise<void>;
  revokeSession(sessionId: string): Promise<void>;
}

export const defaultStores: Stores = { setUserStatus, cacheUser, revokeSession };

export interface StatusChange {
  /** The user to change. */
  id: string;
  status: User['status'];
  /** The admin making the change. */
  adminId: string;
  log: Pick<Logger, 'info'>;
}

export async function changeStatus({ id, status, adminId, log }: StatusChange, stores: Stores): Promise<UserStatusChange> {
  // An admin locking themselves out leaves nobody to undo it if they are the only one.
  if (id === adminId && status === 'disabled') throw conflict('an admin cannot disable their own account');
  const changed = await stores.setUserStatus(id, status, 'disabled by an admin');
  if (!changed) throw notFound('user');
  const user = toUser(changed.row);
  // The profile first: one write stops every access token of the user, whatever its session.
  await stores.cacheUser(user);
  for (const sessionId of changed.revoked) await stores.revokeSession(sessionId);
  log.info({ userId: id, status, by: adminId, revokedSessions: changed.revoked.length }, 'user status changed');
  return { user, revokedSessions: changed.revoked.length };
}
