/**
 * The event-token check against a local issuer: a node:http server on 127.0.0.1 that
 * publishes an OIDC discovery document and a key set, as the Kubernetes API server does for
 * service-account tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { ConfigError, provideSettings } from '../config.js';
import { HttpProblem } from '../problem.js';
import { createEventAuthenticator, eventAuthenticatorFromSettings, type EventAuthenticator } from './oidc.js';

const AUDIENCE = 'serving.knative.dev/service/microride/rides-offers';
let server: Server;
let issuer = '';
let key: CryptoKey;
let otherKey: CryptoKey;
let jwk: JWK;
const requests: { path: string; authorization?: string }[] = [];
let keysDown = false;

beforeAll(async () => {
  otherKey = (await generateKeyPair('RS256')).privateKey;
  // The published key: the public half of `key`.
  const kp = await generateKeyPair('RS256', { extractable: true });
  key = kp.privateKey;
  jwk = { ...(await exportJWK(kp.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/openid/v1/jwks` }));
    } else if (req.url === '/openid/v1/jwks' && !keysDown) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(keysDown ? 503 : 404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sign = (claims: Record<string, unknown> = {}, opts: { key?: CryptoKey; kid?: string; exp?: string | number; iss?: string; aud?: string } = {}) =>
  new SignJWT({ 'kubernetes.io': { namespace: 'knative-eventing' }, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
    .setIssuer(opts.iss ?? issuer)
    .setAudience(opts.aud ?? AUDIENCE)
    .setSubject('system:serviceaccount:microride:oidc-trigger-rides-offers')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '10m')
    .sign(opts.key ?? key);

/** The status an authenticator gives a header: 200 for accepted, else the HttpProblem's. */
async function statusOf(auth: EventAuthenticator, header: string | undefined): Promise<number> {
  try {
    await auth(header);
    return 200;
  } catch (err) {
    if (err instanceof HttpProblem) return err.status;
    throw err;
  }
}

describe('event token verification (EVENT_OIDC=on)', () => {
  let auth: EventAuthenticator;
  beforeAll(() => {
    auth = createEventAuthenticator({ issuer, audience: AUDIENCE, fetchToken: () => 'pod-sa-token' });
  });

  it('accepts a token from the issuer for this audience, finding the keys through discovery with the pod\'s token', async () => {
    const sender = await auth(`Bearer ${await sign()}`);
    expect(sender.subject).toBe('system:serviceaccount:microride:oidc-trigger-rides-offers');
    expect(requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/openid/v1/jwks']);
    expect(requests.every((r) => r.authorization === 'Bearer pod-sa-token')).toBe(true);
    // The keys are cached: a second token costs no fetch.
    await auth(`Bearer ${await sign()}`);
    expect(requests).toHaveLength(2);
  });

  it('refuses with 401: no header, not a bearer, another audience, another issuer, expired, unsigned, another key, garbage', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: issuer, aud: AUDIENCE, sub: 'x', exp: now + 600 })}.`;
    const cases: Record<string, string | undefined> = {
      'no header': undefined,
      'basic auth': 'Basic dXNlcjpwYXNz',
      'another audience': `Bearer ${await sign({}, { aud: 'serving.knative.dev/service/microride/payments-capture' })}`,
      'another issuer': `Bearer ${await sign({}, { iss: 'https://kubernetes.default.svc.cluster.local' })}`,
      expired: `Bearer ${await sign({}, { exp: now - 60 })}`,
      'alg none': `Bearer ${unsigned}`,
      'another key, same kid': `Bearer ${await sign({}, { key: otherKey })}`,
      'another key, unknown kid': `Bearer ${await sign({}, { key: otherKey, kid: 'k2' })}`,
      garbage: 'Bearer not.a.token',
    };
    const got: Record<string, number> = {};
    for (const [name, header] of Object.entries(cases)) got[name] = await statusOf(auth, header);
    expect(got).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, 401])));
  });

  it('says why, and asks for a bearer token (WWW-Authenticate)', async () => {
    const err = await auth(`Bearer ${await sign({}, { aud: 'someone-else' })}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).detail).toMatch(/aud/);
    expect((err as HttpProblem).extra.headers?.['www-authenticate']).toMatch(/^Bearer /);
    const expired = await auth(`Bearer ${await sign({}, { exp: Math.floor(Date.now() / 1000) - 60 })}`).catch((e: unknown) => e);
    expect((expired as HttpProblem).detail).toBe('token expired');
  });

  it('answers 503 (the broker retries) when the keys cannot be fetched, and recovers when they can', async () => {
    const fresh = createEventAuthenticator({ issuer, audience: AUDIENCE, jwksUrl: `${issuer}/openid/v1/jwks` });
    keysDown = true;
    try {
      expect(await statusOf(fresh, `Bearer ${await sign()}`)).toBe(503);
    } finally {
      keysDown = false;
    }
    expect(await statusOf(fresh, `Bearer ${await sign()}`)).toBe(200);
  });

  it('an unreachable issuer is 503, not 401', async () => {
    const nowhere = createEventAuthenticator({ issuer: 'http://127.0.0.1:9', audience: AUDIENCE, timeoutMs: 1_000 });
    expect(await statusOf(nowhere, `Bearer ${await sign()}`)).toBe(503);
  });
});

describe('event authentication settings', () => {
  it('off (the default): no check', () => {
    provideSettings({ EVENT_OIDC: undefined });
    expect(eventAuthenticatorFromSettings()).toBeUndefined();
  });

  it('on without issuer or audience: a ConfigError naming both, at start-up', () => {
    provideSettings({ EVENT_OIDC: 'on', EVENT_OIDC_ISSUER: undefined, EVENT_OIDC_AUDIENCE: undefined });
    try {
      expect(() => eventAuthenticatorFromSettings()).toThrow(ConfigError);
      expect(() => eventAuthenticatorFromSettings()).toThrow(/EVENT_OIDC_ISSUER.*EVENT_OIDC_AUDIENCE/);
    } finally {
      provideSettings({ EVENT_OIDC: undefined });
    }
  });

  it('rejects a mode other than on/off, naming the variable', () => {
    provideSettings({ EVENT_OIDC: 'yes' });
    try {
      expect(() => eventAuthenticatorFromSettings()).toThrow(/EVENT_OIDC/);
    } finally {
      provideSettings({ EVENT_OIDC: undefined });
    }
  });
});
