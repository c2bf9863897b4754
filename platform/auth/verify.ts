/** Verifies an access token locally (signature, issuer, audience, expiry) and checks revocation. */
import { jwtVerify, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { config } from '../config.js';
import { unauthorized } from '../problem.js';
import { ALG, verificationKey } from './keys.js';
import { sessionState, type CachedUser } from './session-cache.js';

const claimsSchema = z.object({
  sub: z.string().uuid(),
  role: z.enum(['rider', 'driver', 'admin']),
  sid: z.string().min(1),
  exp: z.number(),
});

export interface Principal {
  userId: string;
  role: 'rider' | 'driver' | 'admin';
  sessionId: string;
  /** Seconds since epoch when the token expires. */
  expiresAt: number;
  /** Cached profile, when Redis has it. */
  user: CachedUser | null;
}

type Claims = z.infer<typeof claimsSchema>;

/**
 * Signature checks are pure, so a token verified once need not be verified again until
 * it expires; the cache is bounded and holds only tokens that were valid. Revocation is
 * NOT cached: every request still asks Redis.
 */
const verified = new Map<string, Claims>();
const VERIFIED_MAX = 10_000;

async function verifiedClaims(token: string): Promise<Claims> {
  const hit = verified.get(token);
  if (hit) {
    if (hit.exp * 1000 > Date.now()) return hit;
    verified.delete(token);
    throw unauthorized('access token expired');
  }
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, verificationKey(), {
      algorithms: [ALG],
      issuer: config().JWT_ISSUER,
      audience: config().JWT_AUDIENCE,
      typ: 'at+jwt',
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized('access token expired');
    throw unauthorized('invalid access token');
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw unauthorized('invalid access token claims');
  if (verified.size >= VERIFIED_MAX) verified.clear();
  verified.set(token, claims.data);
  return claims.data;
}

export async function verifyAccessToken(token: string): Promise<Principal> {
  const claims = await verifiedClaims(token);
  const { revoked, user } = await sessionState(claims.sid, claims.sub);
  if (revoked) throw unauthorized('access token revoked');
  if (user && user.status !== 'active') throw unauthorized('account disabled');
  return { userId: claims.sub, role: claims.role, sessionId: claims.sid, expiresAt: claims.exp, user };
}

/** Tests that swap keys must also forget tokens verified under the old key. */
export function resetVerifiedTokens(): void {
  verified.clear();
}

/** "Bearer <token>" → token, or a 401 that says what is wrong with the header. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized('missing Authorization header');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <token>"');
  return match[1];
}
