/**
 * Issues access tokens (short-lived EdDSA JWTs, typ at+jwt) and opaque refresh tokens
 * (random, stored only as a SHA-256 hash, rotated on every use).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { SignJWT } from 'jose';
import { config } from '../../platform/config.js';
import { ALG, signingKey } from '../../platform/auth/keys.js';
import { insertRefreshToken } from './store.js';
import type { User } from './schemas.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export async function signAccessToken(user: Pick<User, 'id' | 'role'>, sessionId: string): Promise<string> {
  const { key, kid } = await signingKey();
  const cfg = config();
  return new SignJWT({ role: user.role, sid: sessionId })
    .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
    .setSubject(user.id)
    .setIssuer(cfg.JWT_ISSUER)
    .setAudience(cfg.JWT_AUDIENCE)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${cfg.ACCESS_TOKEN_TTL_SECONDS}s`)
    .sign(key);
}

/** Creates the next refresh token of a session inside the caller's transaction. */
export async function newRefreshToken(trx: Knex.Transaction, sessionId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertRefreshToken(trx, {
    id: randomUUID(),
    sessionId,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + config().REFRESH_TOKEN_TTL_SECONDS * 1000),
  });
  return token;
}

export async function tokenPair(trx: Knex.Transaction, user: User, sessionId: string) {
  const [accessToken, refreshToken] = await Promise.all([signAccessToken(user, sessionId), newRefreshToken(trx, sessionId)]);
  return { accessToken, refreshToken, tokenType: 'Bearer' as const, expiresIn: config().ACCESS_TOKEN_TTL_SECONDS, user };
}

export type TokenPair = Awaited<ReturnType<typeof tokenPair>>;
