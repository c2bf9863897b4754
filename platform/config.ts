/**
 * Process configuration from the environment, validated once with zod.
 * A missing or malformed variable stops start-up with one line naming it
 * (see ConfigError / exitOnConfigError) instead of failing later at first use.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const prefix = z.string().regex(/^[a-z0-9_]*$/, 'lower-case letters, digits and _ only');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: port.default(8080),
  /**
   * `npm start`: the loopback-only listener of the functions' event endpoints
   * (/_fn/<name>), where the local broker delivers and direct calls land; never the public
   * port, so nobody outside this machine can hand a function a CloudEvent. 0 = a free port.
   */
  INTERNAL_PORT: port.default(8083),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/test'),
  /** Prepended to every service schema (tests use it to isolate runs). */
  PG_SCHEMA_PREFIX: prefix.default(''),
  PG_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Named (server-side prepared) statements; false behind a pooler that cannot keep them (runtime/pg-client.ts). */
  PG_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().max(64).default('mr:'),
  MONGO_URL: z.string().url().default('mongodb://127.0.0.1:27017'),
  MONGO_DB: z.string().regex(/^[A-Za-z0-9_-]+$/).default('microride'),
  /** Where emitted CloudEvents go: the Broker ingress (SinkBinding sets it in the cluster). */
  K_SINK: z.string().url().optional(),
  /** How long a publish-on-commit waits for the broker before leaving the event to the outbox relay. */
  OUTBOX_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The outbox relay leaves rows younger than this to the process that committed them (publish on commit). */
  OUTBOX_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /**
   * How long published rows wait to be deleted together: one DELETE per this many ms and
   * service instead of one per few events. Capped at half of OUTBOX_GRACE_MS, so the relay
   * never takes a sent row for a straggler.
   */
  OUTBOX_DELETE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  JWT_ISSUER: z.string().min(1).default('microride'),
  JWT_AUDIENCE: z.string().min(1).default('microride-api'),
  /** SPKI PEM of the access-token key (every function that verifies tokens). */
  JWT_PUBLIC_KEY: z.string().startsWith('-----BEGIN PUBLIC KEY-----').optional(),
  /** PKCS8 PEM of the signing key (accounts only). */
  JWT_PRIVATE_KEY: z.string().startsWith('-----BEGIN PRIVATE KEY-----').optional(),
  /** HMAC key that signs fare quotes (analysis signs, rides verifies); at least 32 characters. */
  QUOTE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(90 * 86_400).default(30 * 86_400),
  /** Cost of the scrypt password hash (N = 2^SCRYPT_LOG_N). 15 = ~50 ms, a deliberate cost. */
  SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(15),
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  LOGIN_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /**
   * Registrations per client address and window (accounts). Each costs ~50 ms of scrypt;
   * an address can be a whole office or a carrier's NAT, hence not lower.
   */
  REGISTER_RATE_LIMIT: z.coerce.number().int().min(1).default(20),
  REGISTER_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** AMQP URL of the RabbitMQ behind the local broker (eventing/broker). */
  RABBITMQ_URL: z.string().url().default('amqp://guest:guest@127.0.0.1:5672'),
  /** Prepended to every exchange and queue the local broker declares (tests isolate runs with it). */
  BROKER_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]*$/, 'letters, digits, _ . : - only').max(64).default('microride.'),
  /** `npm start`: gateway worker processes (default one per core); 1 = everything in one process. */
  LOCAL_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  /** Port of the local broker's ingress (what K_SINK points at under `npm start`). */
  BROKER_PORT: port.default(8082),
  /**
   * Queue type of the local broker's Trigger queues. The cluster declares quorum
   * (eventing/broker.yaml); on one node classic durable queues keep the same guarantees
   * at a fraction of the cost, so they are the local default.
   */
  BROKER_QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),
  /**
   * Event authentication (platform/events/oidc.ts). `on`: every CloudEvent endpoint (event
   * functions, the notifier) refuses a request without a valid bearer token from
   * EVENT_OIDC_ISSUER for EVENT_OIDC_AUDIENCE with 401, before the event is read — the
   * tokens Knative Eventing sends with its `authentication-oidc` feature. `off`: anyone who
   * can reach the endpoint may deliver (NetworkPolicies are then the only guard).
   */
  EVENT_OIDC: z.enum(['off', 'on']).default('off'),
  /** The token issuer, exactly as in the tokens' `iss` (the cluster's service-account issuer). */
  EVENT_OIDC_ISSUER: z.string().url().optional(),
  /** This endpoint's audience: the `aud` a token must carry (the Trigger's subscriber audience). */
  EVENT_OIDC_AUDIENCE: z.string().min(1).optional(),
  /** Where the issuer's keys are; default: `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  EVENT_OIDC_JWKS_URL: z.string().url().optional(),
  /**
   * A file whose content is sent as bearer token when fetching the discovery document and the
   * keys (the Kubernetes API server serves them to service accounts only); re-read on every
   * fetch, as projected tokens rotate.
   */
  EVENT_OIDC_JWKS_TOKEN_FILE: z.string().min(1).optional(),
  /**
   * Directory of tokens for functions this one POSTs events to directly (matching →
   * rides-offers): `<dir>/<callee>` holds a token for the callee's audience, sent as bearer
   * token when EVENT_OIDC is on (the chart projects them; re-read as they rotate).
   */
  EVENT_OIDC_CALL_TOKEN_DIR: z.string().min(1).optional(),
  /**
   * Dev mode opens the simulated gateway's controls (/api/v1/payments/{id}/simulate and
   * /refund) to any user, not only admins. Refused with NODE_ENV=production (below).
   */
  MICRORIDE_DEV_MODE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
}).superRefine((c, ctx) => {
  // One flag in a shared ConfigMap must not open refunds to every rider in production:
  // such a process stops at start with a ConfigError naming the flag.
  if (c.MICRORIDE_DEV_MODE && c.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['MICRORIDE_DEV_MODE'],
      message: 'must not be true when NODE_ENV=production (dev mode lets any user settle and refund payments)',
    });
  }
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(issues.map((i) => `${i.variable}: ${i.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

// ── where settings come from ───────────────────────────────────────────────────
// A Knative pod takes its settings from its environment. A process that hosts functions
// in code (the local platform, a test) hands them settings explicitly with
// provideSettings(); those sit on top of the environment, which is never written to.

type Source = Readonly<Record<string, string | undefined>>;

const provided = new Map<string, string>();
const handles = new Set<{ reset(): void }>();

/** The environment with the provided settings on top: what every settings schema parses. */
export function settingsSource(): Source {
  return provided.size === 0 ? process.env : { ...process.env, ...Object.fromEntries(provided) };
}

/** The settings handed to this process in code, e.g. to pass on to a child process's environment. */
export function providedSettings(): Record<string, string> {
  return Object.fromEntries(provided);
}

/**
 * Hands this process settings in code. With `environmentWins`, a variable that is set
 * already, in the environment or in code, keeps its value (an operator's or a test's
 * explicit setting beats a platform default).
 * An undefined value withdraws a setting provided before. Every settings handle re-reads
 * on its next use.
 */
export function provideSettings(settings: Readonly<Record<string, string | undefined>>, opts: { environmentWins?: boolean } = {}): void {
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) provided.delete(key);
    else if (!(opts.environmentWins && (process.env[key] !== undefined || provided.has(key)))) provided.set(key, value);
  }
  resetConfig();
}

/** Forgets the provided settings (tests that start several platforms in one process). */
export function clearProvidedSettings(): void {
  provided.clear();
  resetConfig();
}

/** Parses `source` with `schema`; a bad or missing variable is a ConfigError naming it. */
export function parseSettings<S extends z.ZodType>(schema: S, source: Source = settingsSource()): z.output<S> {
  // Parsed once per process: zod's compiled fast path (generated with `new Function`) would
  // cost more to generate and compile at start-up than it saves on this single parse.
  const parsed = schema.safeParse(source, { jitless: true });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
  }
  return parsed.data;
}

export interface SettingsHandle<T> {
  (): T;
  /** Re-read on next use (tests change the environment between platforms). */
  reset(): void;
}

/** Settings parsed once, on first use, and re-read after a reset or provideSettings(). */
export function settingsHandle<S extends z.ZodType>(schema: S): SettingsHandle<z.output<S>> {
  let cached: z.output<S> | undefined;
  const get = (() => (cached ??= parseSettings(schema))) as SettingsHandle<z.output<S>>;
  get.reset = () => {
    cached = undefined;
  };
  handles.add(get);
  return get;
}

/** The platform settings every process shares; throws ConfigError naming each bad variable. */
export const config: SettingsHandle<Config> = settingsHandle(configSchema);

/** Re-reads every settings handle on next use (tests that change the environment between cases). */
export function resetConfig(): void {
  for (const h of handles) h.reset();
}

/** Fails start-up if a variable this function cannot work without is absent. */
export function requireConfig<K extends keyof Config>(key: K, why: string): NonNullable<Config[K]> {
  const value = config()[key];
  if (value === undefined || value === null || value === '') {
    throw new ConfigError([{ variable: String(key), message: `required (${why})` }]);
  }
  return value as NonNullable<Config[K]>;
}

/** Prints one clear line and exits; used by entry points. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
