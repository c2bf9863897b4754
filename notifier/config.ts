/**
 * Notifier settings from the environment (zod), on top of the shared runtime config
 * (Redis, JWT keys, log level). startNotifier() options override them (tests, the bench).
 */
import { z } from 'zod';
import { parseSettings, settingsSource } from '../platform/config.js';

const schema = z.object({
  NOTIFIER_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  NOTIFIER_HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * The CloudEvent endpoint (POST /) listens here, apart from the websocket port: only the
   * broker may deliver events. Loopback by default; the cluster's Deployment binds it to
   * the pod's address (its Service's port 80, what the Triggers deliver to).
   */
  NOTIFIER_EVENTS_PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  NOTIFIER_EVENTS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Entries kept per user stream (XADD MAXLEN ~): what a reconnect can replay. */
  NOTIFIER_STREAM_MAXLEN: z.coerce.number().int().min(10).max(10_000).default(100),
  /** Stream entries older than this are trimmed and an idle stream expires. */
  NOTIFIER_STREAM_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  /** How long a CloudEvent source+id is remembered to drop broker redeliveries. */
  NOTIFIER_DEDUPE_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  /** Bytes a socket may have buffered and unsent before it counts as a slow consumer. */
  NOTIFIER_MAX_BACKPRESSURE: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
  /** uWS idleTimeout; pings go out automatically before it runs out. */
  NOTIFIER_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(8).max(960).default(60),
  /** Fallback re-check of revoked sessions (pub/sub is the fast path). */
  NOTIFIER_REVOCATION_SWEEP_SECONDS: z.coerce.number().min(0.1).max(3600).default(60),
  NOTIFIER_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(8 * 1024 * 1024).default(256 * 1024),
  /**
   * Accept the access token as `?token=` too. Off by default: a URL ends up in proxy and
   * access logs, browser history and Referer; clients send `Sec-WebSocket-Protocol: bearer, <token>`.
   */
  NOTIFIER_QUERY_TOKEN: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Sockets one user may hold on this replica; one more closes the user's oldest with 4029. */
  NOTIFIER_MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(1000).default(5),
  /** How often the operations channel (GET /ops) reads the city and sends consoles what changed. */
  NOTIFIER_OPS_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** Unsent bytes after which a console skips updates until it drained (then gets a full frame). */
  NOTIFIER_OPS_MAX_BACKPRESSURE: z.coerce.number().int().min(16 * 1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
});

export type NotifierConfig = z.infer<typeof schema>;

export function notifierConfig(env: Readonly<Record<string, string | undefined>> = settingsSource()): NotifierConfig {
  return parseSettings(schema, env);
}
