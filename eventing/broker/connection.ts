/**
 * One AMQP connection that comes back by itself: when RabbitMQ drops it (restart,
 * network), it reconnects with capped exponential backoff and re-runs every registered
 * setup (channels, topology, consumers) before it reports itself connected again.
 */
import type { Socket } from 'node:net';
import { connect, type ChannelModel } from 'amqplib';
import type { Logger } from '../../platform/logger.js';

export type Setup = (conn: ChannelModel) => Promise<void>;

export interface AmqpLinkOptions {
  url: string;
  /** Shown as connection_name in RabbitMQ and in logs. */
  name: string;
  log: Logger;
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface AmqpLink {
  readonly name: string;
  /** The live connection, or undefined while (re)connecting. */
  readonly connection: ChannelModel | undefined;
  /** Registers a setup run after every (re)connect; runs it at once if already connected. */
  onConnect(setup: Setup): Promise<void>;
  onDisconnect(listener: (err: Error) => void): void;
  /** Resolves once connected with every setup done; rejects after timeoutMs. */
  ready(timeoutMs?: number): Promise<ChannelModel>;
  /** Drops the current connection so the link rebuilds everything (after a channel-level error). */
  reset(reason: string): void;
  close(): Promise<void>;
}

export class LinkClosedError extends Error {
  constructor(name: string) {
    super(`AMQP link ${name} is closed`);
    this.name = 'LinkClosedError';
  }
}

/**
 * amqplib writes every frame group (a publish, an ack) to the socket on its own: one
 * syscall and one TCP segment each. Corking the socket until the end of the tick sends
 * whatever the tick produced in one writev, which on this hot path (an ack and a publish
 * per event) saves a large share of the broker's CPU. Order and back-pressure are as before.
 */
function coalesceWrites(conn: ChannelModel): void {
  // amqplib keeps its socket at ChannelModel.connection.stream (not in its typings).
  const sock = (conn as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  if (!sock || typeof sock.cork !== 'function') return;
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  (sock as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(() => {
        corked = false;
        sock.uncork();
      });
    }
    return write(...args);
  };
}

// Heartbeats notice a dead peer the OS has not told us about (RabbitMQ's default is 60 s).
function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '10');
  return u.toString();
}

export function openAmqpLink(opts: AmqpLinkOptions): AmqpLink {
  const url = withHeartbeat(opts.url);
  const minDelay = opts.minDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 5_000;
  const log = opts.log.child({ amqp: opts.name });
  const setups: Setup[] = [];
  const disconnectListeners: ((err: Error) => void)[] = [];
  let waiters: { resolve: (c: ChannelModel) => void; reject: (e: Error) => void }[] = [];

  let live: ChannelModel | undefined; // connected and set up
  let current: ChannelModel | undefined; // connecting, setting up, or live
  let timer: NodeJS.Timeout | undefined;
  let connecting = false;
  let attempt = 0;
  let closed = false;
  let lastError: Error | undefined; // why we are not connected, for ready()'s message

  const schedule = (err: Error) => {
    lastError = err;
    if (closed || timer || connecting) return;
    attempt++;
    const base = Math.min(maxDelay, minDelay * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    (attempt === 1 ? log.warn.bind(log) : log.debug.bind(log))({ err: err.message, attempt, delayMs: delay }, 'RabbitMQ unavailable; reconnecting');
    timer = setTimeout(() => {
      timer = undefined;
      void attemptConnect();
    }, delay);
  };

  const attemptConnect = async (): Promise<void> => {
    if (closed) return;
    connecting = true;
    let conn: ChannelModel;
    try {
      conn = await connect(url, { clientProperties: { connection_name: opts.name }, timeout: 3_000 });
    } catch (err) {
      connecting = false;
      schedule(err as Error);
      return;
    }
    current = conn;
    connecting = false;
    coalesceWrites(conn);
    if (closed) {
      await conn.close().catch(() => undefined);
      return;
    }
    conn.on('error', (err: Error) => log.warn({ err: err.message }, 'AMQP connection error'));
    conn.on('blocked', (reason: string) => log.warn({ reason }, 'RabbitMQ blocked publishing (resource alarm)'));
    conn.on('close', (err?: Error) => {
      if (current !== conn) return;
      current = undefined;
      const wasLive = live === conn;
      live = undefined;
      const cause = err ?? new Error('connection closed');
      if (wasLive) for (const l of disconnectListeners) l(cause);
      schedule(cause);
    });
    try {
      // By index: a setup registered while these run is picked up too.
      for (let i = 0; i < setups.length; i++) await setups[i]!(conn);
    } catch (err) {
      lastError = err as Error;
      log.warn({ err: (err as Error).message }, 'setup after connect failed; reconnecting');
      if (current === conn) conn.close().catch(() => undefined);
      return;
    }
    if (current !== conn) return; // dropped during setup; the close handler retries
    live = conn;
    if (attempt > 0) log.info({ attempts: attempt }, 'reconnected to RabbitMQ');
    attempt = 0;
    const ws = waiters;
    waiters = [];
    for (const w of ws) w.resolve(conn);
  };

  void attemptConnect();

  return {
    name: opts.name,
    get connection() {
      return live;
    },
    async onConnect(setup) {
      setups.push(setup);
      if (live) {
        try {
          await setup(live);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'setup failed; reconnecting');
          live.close().catch(() => undefined);
        }
      }
    },
    onDisconnect(listener) {
      disconnectListeners.push(listener);
    },
    ready(timeoutMs = 15_000) {
      if (closed) return Promise.reject(new LinkClosedError(opts.name));
      if (live) return Promise.resolve(live);
      return new Promise((resolve, reject) => {
        const waiter = {
          resolve: (c: ChannelModel) => {
            clearTimeout(t);
            resolve(c);
          },
          reject: (e: Error) => {
            clearTimeout(t);
            reject(e);
          },
        };
        const t = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`no RabbitMQ connection (${opts.name}) within ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    reset(reason) {
      const conn = current;
      if (!conn || closed) return;
      log.warn({ reason }, 'resetting AMQP connection');
      conn.close().catch(() => undefined);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const ws = waiters;
      waiters = [];
      for (const w of ws) w.reject(new LinkClosedError(opts.name));
      const conn = current;
      current = undefined;
      live = undefined;
      if (conn) await conn.close().catch(() => undefined);
    },
  };
}
