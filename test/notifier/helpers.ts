/**
 * Test helpers for the notifier: tokens signed like accounts signs them, real `ws`
 * clients, CloudEvents POSTed the way the broker's dispatcher does (binary, Prefer: reply).
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { ensureKeys } from '../../platform/auth/dev-keys.js';
import { ALG, signingKey } from '../../platform/auth/keys.js';
import { config, settingsSource } from '../../platform/config.js';
import { closeClients, redis } from '../../platform/clients.js';
import { afterAll, beforeAll } from 'vitest';
import { startNotifier, type Notifier } from '../../notifier/server.js';
import type { NotifierConfig } from '../../notifier/config.js';

/** Fresh key pair in this worker's env (JWT_PRIVATE_KEY / JWT_PUBLIC_KEY), once. */
export function useKeys(): void {
  ensureKeys();
}

export interface TokenOptions {
  userId?: string;
  role?: 'rider' | 'driver' | 'admin';
  sessionId?: string;
  /** Seconds until exp; default 900. */
  ttlSeconds?: number;
}

export async function signToken(o: TokenOptions = {}): Promise<{ token: string; userId: string; sessionId: string }> {
  const { key, kid } = await signingKey();
  const userId = o.userId ?? randomUUID();
  const sessionId = o.sessionId ?? randomUUID();
  const token = await new SignJWT({ role: o.role ?? 'rider', sid: sessionId })
    .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
    .setSubject(userId)
    .setIssuer(config().JWT_ISSUER)
    .setAudience(config().JWT_AUDIENCE)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(Math.floor(Date.now() / 1000) + (o.ttlSeconds ?? 900))
    .sign(key);
  return { token, userId, sessionId };
}

export interface Message {
  id: string;
  type: string;
  rideId?: string;
  data: Record<string, unknown>;
  at: string;
}

export interface Client {
  ws: WebSocket;
  messages: Message[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves when at least `n` messages have arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<Message[]>;
  close(): void;
}

export interface ConnectOptions {
  since?: string;
  /** How the token travels: `Sec-WebSocket-Protocol: bearer, <token>` (default) or `?token=` (only with NOTIFIER_QUERY_TOKEN=true). */
  via?: 'query' | 'protocol';
}

/** Opens a socket; resolves once open, rejects with the HTTP status if the upgrade is refused. */
export function connect(wsUrl: string, token: string, o: ConnectOptions = {}): Promise<Client> {
  const url = new URL(wsUrl);
  const viaQuery = o.via === 'query';
  if (viaQuery) url.searchParams.set('token', token);
  if (o.since) url.searchParams.set('since', o.since);
  // No token at all: offer no sub-protocol (an empty one is not a valid header value).
  const ws = viaQuery || !token ? new WebSocket(url) : new WebSocket(url, ['bearer', token]);
  const messages: Message[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (raw) => {
    messages.push(JSON.parse(String(raw)) as Message);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w();
    });
  });
  const client: Client = {
    ws,
    messages,
    closed,
    waitFor(n, ms = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} messages (have ${messages.length})`)), ms);
        const check = () => {
          if (messages.length >= n) {
            clearTimeout(timer);
            resolve(messages.slice());
          } else if (ws.readyState === WebSocket.CLOSED) {
            clearTimeout(timer);
            reject(new Error(`socket closed with ${messages.length} of ${n} messages`));
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
    });
    ws.once('error', (err) => reject(err));
  });
}

export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused: HTTP ${status} ${body}`);
  }
}

export interface EventInput {
  type: string;
  data: unknown;
  id?: string;
  source?: string;
  subject?: string;
}

/** POSTs a binary-mode CloudEvent as the broker dispatcher does (`baseUrl`: the notifier's eventsUrl). */
export async function postEvent(baseUrl: string, e: EventInput): Promise<Response> {
  const data = e.data as { rideId?: string };
  return fetch(`${baseUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': e.id ?? randomUUID(),
      'ce-source': e.source ?? '/microride/test',
      'ce-type': e.type,
      ...(e.subject ?? data.rideId ? { 'ce-subject': e.subject ?? data.rideId! } : {}),
      'ce-time': new Date().toISOString(),
      prefer: 'reply',
    },
    body: JSON.stringify(e.data),
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true if `client` receives nothing within `ms`. */
export async function receivesNothing(client: Client, ms = 300): Promise<boolean> {
  const before = client.messages.length;
  await sleep(ms);
  return client.messages.length === before;
}

export const ride = {
  started: (p: { rideId?: string; riderId: string; driverId: string }) => ({
    type: 'microride.ride.started',
    data: { rideId: p.rideId ?? randomUUID(), riderId: p.riderId, driverId: p.driverId },
  }),
  expired: (p: { rideId?: string; riderId: string }) => ({
    type: 'microride.ride.expired',
    data: { rideId: p.rideId ?? randomUUID(), riderId: p.riderId },
  }),
};

/** Starts a notifier in this worker for the file's tests; cleans its Redis keys after. */
export function useNotifier(settings: Partial<NotifierConfig> = {}): { readonly n: Notifier } {
  let notifier: Notifier | undefined;
  beforeAll(async () => {
    useKeys();
    notifier = await startNotifier({ port: 0, host: '127.0.0.1', eventsPort: 0, settings });
  });
  afterAll(async () => {
    await notifier?.close();
    await cleanupRedis();
    await closeClients();
  });
  return {
    get n() {
      if (!notifier) throw new Error('notifier not started');
      return notifier;
    },
  };
}

/** Deletes every key of this worker's REDIS_PREFIX (test/setup/isolation.ts). */
export async function cleanupRedis(): Promise<void> {
  const prefix = config().REDIS_PREFIX;
  if (!prefix.startsWith('t')) return; // never outside a test namespace
  let cursor = '0';
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis().unlink(...keys);
  } while (cursor !== '0');
}

export interface Replica {
  /** The websocket port (health, metrics). */
  url: string;
  /** The CloudEvent endpoint's port: POST `${eventsUrl}/`. */
  eventsUrl: string;
  wsUrl: string;
  proc: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `notifier/main.ts` in a child process sharing this worker's Redis prefix and
 * keys (what a second pod is: same Redis, nothing else shared).
 */
export async function spawnReplica(env: Record<string, string> = {}): Promise<Replica> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'notifier/main.ts'], {
    cwd: process.cwd(),
    env: { ...settingsSource(), NOTIFIER_PORT: '0', NOTIFIER_HOST: '127.0.0.1', NOTIFIER_EVENTS_PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let stderr = '';
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const [url, eventsUrl] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`replica did not start in 20 s: ${stderr}`)), 20_000);
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /notifier listening on (http:\/\/\S+) .*CloudEvents at (http:\/\/\S+)\/\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve([m[1]!, m[2]!]);
      }
    });
    void exited.then((code) => reject(new Error(`replica exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    eventsUrl,
    wsUrl: `${url.replace('http', 'ws')}/ws`,
    proc,
    exited,
    stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
