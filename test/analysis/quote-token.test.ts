import { describe, it, expect, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { config, provideSettings } from '../../platform/config.js';
import { HttpProblem } from '../../platform/problem.js';
import { signQuote, verifyQuote, QUOTE_TTL_SECONDS, type Quote } from '../../functions/analysis/quote-token.js';
import { priceQuote } from '../../functions/analysis/price-quote.js';

const quoteAt = (now: number): Quote =>
  priceQuote(
    { riderId: '6f1c0e0e-8d0c-4a8b-9a53-3c1f3f7a1b2c', pickup: { lat: 52.52, lon: 13.405 }, dropoff: { lat: 52.5096, lon: 13.3759 }, vehicleClass: 'economy' },
    { surgeMultiplier: 1.2, nearestDriverMeters: 500 },
    now,
  );

async function problemOf(p: Promise<unknown>): Promise<HttpProblem> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpProblem) return err;
    throw err;
  }
  throw new Error('expected an HttpProblem');
}

const b64 = (s: string) => Buffer.from(s, 'base64url').toString('utf8');
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('quote tokens', () => {
  beforeAll(() => {
    provideSettings({ QUOTE_SECRET: randomBytes(32).toString('base64url') });
  });

  it('two quotes of the same trip in the same second are two quotes (rides keys its default idempotency on the quote)', async () => {
    const q = quoteAt(Date.now());
    const [a, b] = await Promise.all([signQuote(q), signQuote(q)]);
    expect(a).not.toBe(b);
    const jti = (t: string) => (JSON.parse(b64(t.split('.')[1]!)) as { jti?: string }).jti;
    expect(jti(a)).toMatch(/^[0-9a-f-]{36}$/);
    expect(jti(a)).not.toBe(jti(b));
    expect(await verifyQuote(a)).toEqual(await verifyQuote(b));
  });

  it('round-trips a quote and expires it after five minutes', async () => {
    const q = quoteAt(Date.now());
    const token = await signQuote(q);
    expect(token.split('.')).toHaveLength(3);
    expect(await verifyQuote(token)).toEqual(q);
    const header = JSON.parse(b64(token.split('.')[0]!)) as { alg: string; typ: string };
    expect(header).toEqual({ alg: 'HS256', typ: 'quote+jwt' });
    const claims = JSON.parse(b64(token.split('.')[1]!)) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(QUOTE_TTL_SECONDS);
    expect(claims.exp * 1000).toBe(Date.parse(q.expiresAt));
  });

  it('rejects an expired quote with 422 "quote expired"', async () => {
    const old = quoteAt(Date.now() - (QUOTE_TTL_SECONDS + 5) * 1000);
    const p = await problemOf(verifyQuote(await signQuote(old)));
    expect(p.status).toBe(422);
    expect(p.detail).toBe('quote expired');
    expect(p.extra.errors).toEqual([{ path: 'quoteId', message: expect.any(String) }]);
  });

  it('rejects a tampered price, a foreign key and garbage with 422 "not valid"', async () => {
    const token = await signQuote(quoteAt(Date.now()));
    const [h, payload, sig] = token.split('.') as [string, string, string];
    const claims = JSON.parse(b64(payload)) as { q: Quote };
    claims.q.fare.amount = 1;
    const cheap = `${h}.${enc(claims)}.${sig}`;

    const original = config().QUOTE_SECRET;
    provideSettings({ QUOTE_SECRET: randomBytes(32).toString('base64url') });
    const foreign = await signQuote(quoteAt(Date.now()));
    provideSettings({ QUOTE_SECRET: original });

    const unsigned = `${enc({ alg: 'none', typ: 'quote+jwt' })}.${payload}.`;
    for (const bad of [cheap, foreign, unsigned, 'not-a-token', `${token}x`, '']) {
      const p = await problemOf(verifyQuote(bad));
      expect(p.status, bad).toBe(422);
      expect(p.detail).toBe('quote is not valid (tampered or malformed)');
      expect(p.extra.errors?.[0]?.path).toBe('quoteId');
    }
  });
});
