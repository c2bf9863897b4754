/**
 * Quotes are tamper-proof without a store: the quote IS its id, a compact JWS (HS256,
 * QUOTE_SECRET) that rides verifies before creating a ride. Symmetric on purpose: only
 * MicroRide's own services sign and verify quotes, and HMAC keeps tokens short and fast.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { requireConfig } from '../runtime/config.js';
import { HttpProblem } from '../runtime/problem.js';
import { quote as quoteSchema, type Quote } from './schemas.js';

export type { Quote };

/** How long a quote holds. */
export const QUOTE_TTL_SECONDS = 300;

const ALG = 'HS256';
const TYP = 'quote+jwt';
const ISSUER = 'microride-analysis';
const AUDIENCE = 'microride-rides';

const secret = () => new TextEncoder().encode(requireConfig('QUOTE_SECRET', 'signs and verifies fare quotes'));

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
    .sign(secret());
}

const invalid = (message: string) =>
  new HttpProblem(422, 'quote is not valid (tampered or malformed)', { errors: [{ path: 'quoteId', message }] });

/** The quote inside a token; 422 when expired, tampered or malformed. */
export async function verifyQuote(token: string): Promise<Quote> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secret(), { algorithms: [ALG], typ: TYP, issuer: ISSUER, audience: AUDIENCE }));
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
