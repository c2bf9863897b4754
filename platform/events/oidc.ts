/**
 * Who may deliver a CloudEvent: with Knative Eventing's `authentication-oidc` feature, a
 * sender (a Trigger's dispatcher, a source) asks the Kubernetes API for a service-account
 * token whose audience is the receiver's (the Trigger's `subscriber.audience`) and sends it
 * as `Authorization: Bearer <token>`. Each receiver checks it here — signature against the
 * issuer's published keys, `iss`, `aud`, expiry — and refuses anything else with 401 before
 * it reads the event. Without this check, any pod that can reach a function can forge an
 * event (a `matching.offer_decided` offering a ride to whoever sends it).
 *
 * Keys come from the issuer's OIDC discovery document (`<issuer>/.well-known/openid-
 * configuration` → `jwks_uri`) or EVENT_OIDC_JWKS_URL, through jose's remote key set: cached,
 * re-fetched when a token names a key it has not seen (at most every 30 s). When the keys
 * cannot be fetched the answer is 503, not 401: the sender is not at fault, and the broker
 * retries a 503.
 */
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { ConfigError, config } from '../config.js';
import { HttpProblem } from '../problem.js';

/** Kubernetes signs service-account tokens with RS256 or ES256; asymmetric algorithms only, never `none` or HMAC. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface EventAuthOptions {
  /** `iss` the tokens must carry. */
  issuer: string;
  /** `aud` the tokens must carry (one of theirs). */
  audience: string;
  /** The key set; default: `jwks_uri` from the issuer's discovery document. */
  jwksUrl?: string;
  /** Bearer token for the discovery and key requests, read on every fetch (undefined: none). */
  fetchToken?: () => string | undefined;
  /** Per fetch of the discovery document or the keys. */
  timeoutMs?: number;
  /** Seconds of clock skew tolerated on `exp`/`nbf`/`iat`. */
  clockToleranceSeconds?: number;
}

/** Who sent the event, from its token. */
export interface EventSender {
  subject: string | undefined;
  issuer: string;
}

/** Checks a request's Authorization header; throws HttpProblem 401 (bad token) or 503 (keys unreachable). */
export type EventAuthenticator = (authorization: string | undefined) => Promise<EventSender>;

const refused = (detail: string) =>
  new HttpProblem(401, detail, { headers: { 'www-authenticate': 'Bearer realm="microride-events", error="invalid_token"' } });

const keysUnavailable = (why: string) =>
  new HttpProblem(503, `cannot check the event's token right now (${why}); retry`, { headers: { 'retry-after': '1' } });

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.string().url() });

/** A fetch that adds the bearer token for the issuer (the Kubernetes API serves its keys to service accounts only). */
function fetchWithToken(fetchToken: (() => string | undefined) | undefined): typeof fetch {
  return (input, init) => {
    const token = fetchToken?.();
    if (!token) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}

/** The issuer's `jwks_uri`, from its discovery document. */
async function discoverJwksUrl(issuer: string, doFetch: typeof fetch, timeoutMs: number): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const doc = discoverySchema.safeParse(await res.json());
  if (!doc.success) throw new Error(`${url} is not an OIDC discovery document (no jwks_uri)`);
  return new URL(doc.data.jwks_uri);
}

/** The token from "Bearer <token>", or a 401 saying what is wrong. */
function bearer(header: string | undefined): string {
  if (!header) throw refused('missing Authorization header: events must carry the bearer token of their sender');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw refused('Authorization header must be "Bearer <token>"');
  return match[1];
}

/** jose's verdict → 401 (the token is bad) or 503 (we could not get the keys). */
function classify(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof joseErrors.JWTExpired) return refused('token expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) return refused(`token rejected: ${err.claim} claim check failed (${err.reason})`);
  if (err instanceof joseErrors.JWKSTimeout) return keysUnavailable('key set request timed out');
  if (err instanceof joseErrors.JWKSInvalid) return keysUnavailable('key set is malformed');
  // A plain JOSEError is jose's "the key set answered non-200 / not JSON"; anything that is
  // not a JOSEError at all is the network.
  if (err instanceof joseErrors.JOSEError && err.code !== 'ERR_JOSE_GENERIC') return refused(`invalid token (${err.code})`);
  return keysUnavailable(err instanceof Error ? err.message : 'key set unreachable');
}

export function createEventAuthenticator(opts: EventAuthOptions): EventAuthenticator {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const doFetch = fetchWithToken(opts.fetchToken);
  // Resolved on first use (a pod starts without waiting for the API server); a failed
  // discovery is forgotten, so the next delivery tries again.
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = (): Promise<JWTVerifyGetKey> => {
    keys ??= (async () => {
      const url = opts.jwksUrl ? new URL(opts.jwksUrl) : await discoverJwksUrl(opts.issuer, doFetch, timeoutMs);
      return createRemoteJWKSet(url, {
        timeoutDuration: timeoutMs,
        // jose calls it with (url, { headers, method, redirect, signal }).
        [customFetch]: (u: string, init: RequestInit) => doFetch(u, init),
      });
    })();
    keys.catch(() => {
      keys = undefined;
    });
    return keys;
  };

  return async (authorization) => {
    const token = bearer(authorization);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keySet(), {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: ALGORITHMS,
        clockTolerance: opts.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw classify(err);
    }
    return { subject: payload.sub, issuer: opts.issuer };
  };
}

/** The content of a token file, trimmed; undefined when it cannot be read (the request then goes without). */
export function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The authenticator the settings ask for: undefined when EVENT_OIDC is off; a ConfigError
 * naming the missing setting when it is on without an issuer or an audience (start-up
 * fails, rather than every delivery).
 */
export function eventAuthenticatorFromSettings(): EventAuthenticator | undefined {
  const c = config();
  if (c.EVENT_OIDC === 'off') return undefined;
  const missing = (['EVENT_OIDC_ISSUER', 'EVENT_OIDC_AUDIENCE'] as const).filter((k) => !c[k]);
  if (missing.length) throw new ConfigError(missing.map((variable) => ({ variable, message: 'required when EVENT_OIDC=on' })));
  const tokenFile = c.EVENT_OIDC_JWKS_TOKEN_FILE;
  return createEventAuthenticator({
    issuer: c.EVENT_OIDC_ISSUER!,
    audience: c.EVENT_OIDC_AUDIENCE!,
    jwksUrl: c.EVENT_OIDC_JWKS_URL,
    fetchToken: tokenFile ? () => readTokenFile(tokenFile) : undefined,
  });
}

/**
 * Headers for an event this function POSTs straight to another function (not through the
 * broker): with EVENT_OIDC on, the token for the callee's audience from
 * EVENT_OIDC_CALL_TOKEN_DIR/<callee>. Undefined when off or when no token is there (the
 * callee then refuses, loudly, with 401).
 */
export function callAuthHeaders(callee: string): Record<string, string> | undefined {
  const c = config();
  if (c.EVENT_OIDC === 'off' || !c.EVENT_OIDC_CALL_TOKEN_DIR) return undefined;
  const token = readTokenFile(`${c.EVENT_OIDC_CALL_TOKEN_DIR.replace(/\/+$/, '')}/${callee}`);
  return token ? { authorization: `Bearer ${token}` } : undefined;
}
