/**
 * Who may open a socket, decided before the HTTP upgrade: the access token
 * (`Sec-WebSocket-Protocol: bearer, <token>`; the query `token=` only with
 * NOTIFIER_QUERY_TOKEN=true) is verified locally with the accounts public key plus the
 * Redis revocation mark (verifyAccessToken), and `since` must be a stream id. Anything
 * else answers with an HTTP status and no socket exists.
 */
import { z } from 'zod';
import { verifyAccessToken, type Principal } from '../platform/auth/verify.js';
import { HttpProblem } from '../platform/problem.js';
import { isStreamId } from './streams.js';

export interface UpgradeRequest {
  /** Raw query string (without "?"). */
  query: string;
  /** Sec-WebSocket-Protocol as sent, e.g. "bearer, eyJ…". */
  protocol: string;
}

export interface UpgradeGrant {
  principal: Principal;
  /** Client's resume point, if it sent one. */
  since: string | undefined;
  /** Sub-protocol to answer with: the server must echo "bearer" when the token came that way. */
  protocol: string;
}

const querySchema = z.object({
  token: z.string().min(1).max(8192).optional(),
  since: z
    .string()
    .refine(isStreamId, 'must be a message id from a previous message, e.g. 1732550400000-0')
    .optional(),
});

/** Splits "bearer, <token>" (RFC 6455 lists sub-protocols comma-separated). */
export function tokenFromProtocol(header: string): string | undefined {
  if (!header) return undefined;
  const parts = header.split(',').map((p) => p.trim());
  const at = parts.findIndex((p) => p.toLowerCase() === 'bearer');
  if (at < 0) return undefined;
  const token = parts[at + 1];
  return token ? token : undefined;
}

export interface UpgradePolicy {
  /** NOTIFIER_QUERY_TOKEN: whether `?token=` is accepted (off: 400 naming `token`). */
  queryToken: boolean;
}

/** Syntax only (no I/O): runs synchronously inside the uWS upgrade handler. */
export function parseUpgrade(req: UpgradeRequest, policy: UpgradePolicy = { queryToken: false }): { token: string; since: string | undefined; protocol: string } {
  // An empty value counts as absent ("?token=" is a missing token: 401, not a 400).
  const params = Object.fromEntries([...new URLSearchParams(req.query)].filter(([, v]) => v !== ''));
  const q = querySchema.safeParse(params);
  if (!q.success) throw new HttpProblem(400, q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  if (q.data.token !== undefined && !policy.queryToken) {
    // Refused even beside a good header token: the token is already in a URL (and so in
    // logs), and the client should learn to stop putting it there.
    throw new HttpProblem(400, 'token: not accepted in the query (URLs end up in logs); send Sec-WebSocket-Protocol: bearer, <JWT>', {
      errors: [{ path: 'token', message: 'not accepted in the query; use Sec-WebSocket-Protocol: bearer, <JWT>' }],
    });
  }
  const fromProtocol = tokenFromProtocol(req.protocol);
  const token = fromProtocol ?? q.data.token;
  if (!token) {
    const how = policy.queryToken ? 'Sec-WebSocket-Protocol: bearer, <JWT> or ?token=<JWT>' : 'Sec-WebSocket-Protocol: bearer, <JWT>';
    throw new HttpProblem(401, `missing access token: send ${how}`, {
      headers: { 'www-authenticate': 'Bearer realm="microride"' },
    });
  }
  return { token, since: q.data.since, protocol: fromProtocol ? 'bearer' : '' };
}

/** The asynchronous half: signature, claims, expiry, revocation, account status. */
export async function authorizeUpgrade(parsed: ReturnType<typeof parseUpgrade>): Promise<UpgradeGrant> {
  const principal = await verifyAccessToken(parsed.token);
  return { principal, since: parsed.since, protocol: parsed.protocol };
}
