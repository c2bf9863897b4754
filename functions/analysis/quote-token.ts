/**
 * Quotes are tamper-proof without a store: the quote IS its id, a compact JWS (HS256,
 * QUOTE_SECRET) that rides verifies before creating a ride. Symmetric on purpose: only
 * MicroRide's own services sign and verify quotes, and HMAC keeps tokens short and fast.
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { requireConfig } from '../../platform/config.js';
import { HttpProblem } from '../../platform/problem.js';
import { quote as quoteSchema, type Quote } from './schemas.js';

export type { Quote };

/** How long a quote holds. */
export const QUOTE_TTL_SECONDS = 300;

const ALG = 'HS256';
const TYP = 'quote+jwt';
const ISSUER = 'microride-analysis';
const AUDIENCE = 'microride-rides';

// Given raw bytes, jose imports them into a WebCrypto key on every sign and verify; the
// key is imported once per secret instead (a test may change the secret between calls).
let imported: { secret: string; key: Promise<webcrypto.CryptoKey> } | undefined;
function secretKey(): Promise<webcrypto.CryptoKey> {
  const secret = requireConfig('QUOTE_SECRET', 'signs and verifies fare quotes');
  if (imported?.secret !== secret) {
    const key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    imported = { secret, key };
  }
  return imported.key;
}

/** Signs a quote; the token expires at quote.expiresAt. */
export async function signQuote(q: Quote): Promise<string> {
  const exp = Math.floor(Date.parse(q.expiresAt) / 1000);
  return new SignJWT({ q })
    .setProtectedHeader({ alg: ALG, typ: TYP })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(q.riderId)
    // Two quotes for the same trip in the same second must still be two quotes (ride idempotency keys on them).
    .setJti(randomUUID())
    .setIssuedAt(exp - QUOTE_TTL_SECONDS)
    .setExpirationTime(exp)
    .sign(await secretKey());
}

const invalid = (message: string) =>
  new HttpProblem(422, 'quote is not valid (tampered or malformed)', { errors: [{ path: 'quoteId', message }] });

/** The quote inside a token; 422 when expired, tampered or malformed. */
export async function verifyQuote(token: string): Promise<Quote> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await secretKey(), { algorithms: [ALG], typ: TYP, issuer: ISSUER, audience: AUDIENCE }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) {
      throw new HttpProblem(422, 'quote expired', { errors: [{ path: 'quoteId', message: 'the quote has expired; ask for a new one' }] });
    }
    throw invalid('signature, format or claims do not check out');
  }
  const parsed = quoteSchema.safeParse(payload.q);
  if (!parsed.success || parsed.data.riderId !== payload.sub) throw invalid('the token does not carry a quote');
  return parsed.data;
}
