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

export async function verifyAccessToken(token: string): Promise<Principal> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, await verificationKey(), {
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
  const { revoked, user } = await sessionState(claims.data.sid, claims.data.sub);
  if (revoked) throw unauthorized('access token revoked');
  if (user && user.status !== 'active') throw unauthorized('account disabled');
  return { userId: claims.data.sub, role: claims.data.role, sessionId: claims.data.sid, expiresAt: claims.data.exp, user };
}

/** "Bearer <token>" → token, or a 401 that says what is wrong with the header. */
export function bearerToken(header: string | undefined): string {
  if (!header) throw unauthorized('missing Authorization header');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <token>"');
  return match[1];
}
