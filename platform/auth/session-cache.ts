/**
 * The Redis side of authentication, shared by accounts (writer) and every verifier:
 * - `auth:revoked:<sessionId>`: present while access tokens of a revoked session could
 *   still be unexpired;
 * - `auth:user:<userId>`: the cached public profile and status of a user (the seed's
 *   "credentials cached in Redis"), so /users/me and status checks need no database.
 * One MGET answers both for every authenticated request.
 */
import { z } from 'zod';
import { redis, rkey } from '../clients.js';
import { config } from '../config.js';

export const cachedUserSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['rider', 'driver', 'admin']),
  status: z.enum(['active', 'disabled']),
  createdAt: z.string(),
});
export type CachedUser = z.infer<typeof cachedUserSchema>;

export const revokedKey = (sessionId: string) => rkey('auth', 'revoked', sessionId);
/** Pub/sub channel carrying revoked session ids, so long-lived connections (the notifier) close at once. */
export const revocationsChannel = () => rkey('auth', 'revocations');
const userKey = (userId: string) => rkey('auth', 'user', userId);

export async function cacheUser(user: CachedUser): Promise<void> {
  await redis().set(userKey(user.id), JSON.stringify(user), 'EX', config().REFRESH_TOKEN_TTL_SECONDS);
}

export async function revokeSession(sessionId: string): Promise<void> {
  // Access tokens of the session die on their own after their TTL; keep the mark that long.
  await redis().set(revokedKey(sessionId), '1', 'EX', config().ACCESS_TOKEN_TTL_SECONDS + 60);
  // After the mark is set: a subscriber that re-checks on this message must see it.
  await redis().publish(revocationsChannel(), sessionId);
}

export async function sessionState(sessionId: string, userId: string): Promise<{ revoked: boolean; user: CachedUser | null }> {
  const [revoked, user] = await redis().mget(revokedKey(sessionId), userKey(userId));
  return { revoked: revoked !== null, user: user ? cachedUserSchema.parse(JSON.parse(user)) : null };
}
