/**
 * The sockets of this replica and what each has been sent.
 *
 * Per socket we keep `lastId`, the newest stream id written to it (or its resume point).
 * A live message carries its stream id and the stream's previous id (`prev`), so:
 *   - id ≤ lastId            → already sent (catch-up overlap, fan-out republish): skip;
 *   - prev = lastId          → nothing between: write it;
 *   - otherwise (a gap: a publish raced another, or pub/sub lost messages) → read the
 *     stream after lastId and write what is there, in order.
 * While a read is in flight, live messages queue behind it. This gives every socket every
 * message of its user's stream once, in stream order, whether it arrived live, by replay
 * (`since`), or by catch-up.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import { revokedKey } from '../platform/auth/session-cache.js';
import type { WebSocket } from './native.js';
import type { Metrics } from './metrics.js';
import { compareIds, lostBetween, messageText, readAfter } from './streams.js';

/** Close codes the notifier uses (README.md lists them for clients). */
export const CloseCode = {
  /** Server shutting down or restarting: reconnect (another replica) with `since`. */
  GOING_AWAY: 1001,
  /** Could not read the user's stream: reconnect with `since`. */
  INTERNAL_ERROR: 1011,
  /** The access token's `exp` passed: refresh it, reconnect with `since`. */
  TOKEN_EXPIRED: 4001,
  /** The session was revoked (logout, refresh-token reuse) or the account disabled: sign in again. */
  TOKEN_REVOKED: 4003,
  /** The client did not read fast enough (unsent bytes > NOTIFIER_MAX_BACKPRESSURE): reconnect with `since`. */
  SLOW_CONSUMER: 4008,
  /**
   * The user opened more than NOTIFIER_MAX_SOCKETS_PER_USER sockets on this replica: the
   * oldest is closed (4008 is taken by slow consumers; 4029 echoes HTTP 429).
   */
  TOO_MANY_CONNECTIONS: 4029,
} as const;

const READ_BATCH = 500;

export interface LiveMessage {
  id: string;
  prev: string;
  body: string;
  /** Receipt time of the CloudEvent (ms), for the latency histogram. */
  t: number;
}

export interface Conn {
  readonly userId: string;
  readonly sessionId: string;
  /** Token expiry, seconds since epoch. */
  readonly expiresAt: number;
  lastId: string;
  /** The client's `since`: checked once on open for history lost to trimming. */
  readonly resumeFrom: string | undefined;
  busy: boolean;
  queue: LiveMessage[] | undefined;
  ws: WebSocket<Conn> | undefined;
  closed: boolean;
  timer: NodeJS.Timeout | undefined;
}

export function newConn(p: { userId: string; sessionId: string; expiresAt: number; lastId: string; resumeFrom: string | undefined }): Conn {
  return { ...p, busy: false, queue: undefined, ws: undefined, closed: false, timer: undefined };
}

interface HubOptions {
  redis: Redis;
  metrics: Metrics;
  maxBackpressure: number;
  /** A user's sockets on this replica; the newest wins, the oldest is closed with 4029. */
  maxSocketsPerUser: number;
  streamTtlSeconds: number;
  log: Logger;
}

function addTo<K>(map: Map<K, Set<Conn>>, key: K, conn: Conn): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(conn);
}

function removeFrom<K>(map: Map<K, Set<Conn>>, key: K, conn: Conn): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) map.delete(key);
}

export class Hub {
  private readonly byUser = new Map<string, Set<Conn>>();
  private readonly bySession = new Map<string, Set<Conn>>();
  private count = 0;

  constructor(private readonly o: HubOptions) {}

  get connections(): number {
    return this.count;
  }

  get users(): number {
    return this.byUser.size;
  }

  /** uWS `open`: register first, then replay, so nothing published meanwhile is missed. */
  attach(conn: Conn, ws: WebSocket<Conn>): void {
    conn.ws = ws;
    this.count += 1;
    addTo(this.byUser, conn.userId, conn);
    addTo(this.bySession, conn.sessionId, conn);
    this.evictOldest(conn.userId);
    if (conn.closed) return;
    const ms = conn.expiresAt * 1000 - Date.now();
    if (ms <= 0) {
      this.o.metrics.expiries.inc();
      this.close(conn, CloseCode.TOKEN_EXPIRED, 'token expired');
      return;
    }
    conn.timer = setTimeout(() => {
      this.o.metrics.expiries.inc();
      this.close(conn, CloseCode.TOKEN_EXPIRED, 'token expired');
    }, ms);
    conn.timer.unref();
    void this.catchUp(conn, conn.resumeFrom !== undefined);
  }

  /**
   * Over NOTIFIER_MAX_SOCKETS_PER_USER: close the user's oldest sockets (a Set iterates in
   * insertion order) with 4029. The newest is kept: it is the device the user is holding
   * now; a forgotten tab or a leaked reconnect loop is what goes. Per replica: a user's
   * sockets on other replicas are not counted.
   */
  private evictOldest(userId: string): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    for (const oldest of set) {
      if (set.size <= this.o.maxSocketsPerUser) break;
      this.o.metrics.tooManyConnections.inc();
      this.close(oldest, CloseCode.TOO_MANY_CONNECTIONS, 'too many connections');
    }
  }

  /** uWS `close` (every way a socket ends passes here): the ws must not be touched after. */
  detach(conn: Conn): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.ws = undefined;
    conn.queue = undefined;
    if (conn.timer) clearTimeout(conn.timer);
    this.count -= 1;
    removeFrom(this.byUser, conn.userId, conn);
    removeFrom(this.bySession, conn.sessionId, conn);
  }

  close(conn: Conn, code: number, reason: string): void {
    const ws = conn.ws;
    if (conn.closed || !ws) return;
    ws.end(code, reason); // runs the close handler → detach, synchronously
  }

  /** A fan-out publication for one user: offer it to each of the user's local sockets. */
  deliver(userId: string, m: LiveMessage): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    for (const conn of set) this.offer(conn, m);
  }

  private offer(conn: Conn, m: LiveMessage): void {
    if (conn.closed) return;
    if (conn.busy) {
      (conn.queue ??= []).push(m);
      return;
    }
    if (compareIds(m.id, conn.lastId) <= 0) return;
    if (m.prev !== conn.lastId) {
      void this.catchUp(conn, false); // reads m too
      return;
    }
    const ws = conn.ws!;
    ws.cork(() => this.write(conn, m.id, m.body, 'live', m.t));
  }

  /**
   * A live position (ride.driver_location) for one user: written to each of the user's
   * local sockets at once, outside the stream's order (it has no id and is never
   * replayed). A socket that has unsent bytes past the limit skips it rather than being
   * closed: the next position supersedes it within a second.
   */
  deliverLive(userId: string, text: string, publishedAt: number): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    for (const conn of set) {
      const ws = conn.ws;
      if (conn.closed || !ws) continue;
      const buffered = ws.getBufferedAmount();
      if (buffered > 0 && buffered + text.length > this.o.maxBackpressure) {
        this.o.metrics.livePositions.inc({ outcome: 'dropped' });
        continue;
      }
      ws.send(text, false, false);
      this.o.metrics.livePositions.inc({ outcome: 'sent' });
      this.o.metrics.liveLatency.observe((Date.now() - publishedAt) / 1000);
    }
  }

  /** Writes everything in the user's stream after conn.lastId, then what queued meanwhile. */
  private async catchUp(conn: Conn, checkLoss: boolean): Promise<void> {
    conn.busy = true; // synchronously, before the first await: later offers queue
    try {
      for (let first = true; ; first = false) {
        if (conn.closed) return;
        const rows = await readAfter(this.o.redis, conn.userId, conn.lastId, READ_BATCH);
        const ws = conn.ws;
        if (conn.closed || !ws) return;
        let ok = true;
        ws.cork(() => {
          if (first && checkLoss) {
            const lost = lostBetween(conn.lastId, rows, this.o.streamTtlSeconds);
            if (lost) this.writeResync(conn, lost);
          }
          for (const r of rows) {
            if (compareIds(r.id, conn.lastId) <= 0) continue;
            if (!this.write(conn, r.id, r.body, 'catchup')) {
              ok = false;
              break;
            }
          }
        });
        if (!ok || rows.length < READ_BATCH) break;
      }
    } catch (err) {
      this.o.log.warn({ err, userId: conn.userId }, 'stream read failed; closing the socket so the client resumes');
      conn.busy = false;
      this.close(conn, CloseCode.INTERNAL_ERROR, 'notification replay failed; reconnect with since');
      return;
    }
    conn.busy = false;
    const queued = conn.queue;
    conn.queue = undefined;
    if (queued) for (const m of queued) this.offer(conn, m);
  }

  /** Tells a resuming client that part of what it missed was trimmed (older than the cap/TTL). */
  private writeResync(conn: Conn, lostUpTo: string): void {
    const at = new Date().toISOString();
    const text = JSON.stringify({
      id: lostUpTo,
      type: 'microride.notifier.resync',
      data: { reason: 'messages after your `since` were trimmed from history; reload state over the HTTP API', lostUpTo },
      at,
    });
    conn.ws?.send(text, false, false);
    if (compareIds(lostUpTo, conn.lastId) > 0) conn.lastId = lostUpTo;
  }

  /**
   * Slow-client policy: a socket whose unsent bytes would pass maxBackpressure is closed
   * with 4008 instead of buffering more. Nothing is lost — every message is in the user's
   * stream, and the close reason carries the last id written, for `since`.
   */
  private write(conn: Conn, id: string, body: string, path: 'live' | 'catchup', receivedAt?: number): boolean {
    const ws = conn.ws!;
    const text = messageText(id, body);
    const buffered = ws.getBufferedAmount();
    // An empty buffer always takes the message, however large: otherwise one message above
    // the limit would close the socket on every resume, for ever.
    if ((buffered > 0 && buffered + text.length > this.o.maxBackpressure) || ws.send(text, false, false) === 2) {
      this.o.metrics.slowConsumers.inc();
      this.close(conn, CloseCode.SLOW_CONSUMER, `slow consumer; resume with since=${conn.lastId}`);
      return false;
    }
    conn.lastId = id;
    this.o.metrics.messagesSent.inc({ path });
    if (receivedAt !== undefined) this.o.metrics.latency.observe((Date.now() - receivedAt) / 1000);
    return true;
  }

  closeSession(sessionId: string, code: number, reason: string): number {
    const set = this.bySession.get(sessionId);
    if (!set) return 0;
    const conns = [...set];
    for (const c of conns) this.close(c, code, reason);
    return conns.length;
  }

  closeAll(code: number, reason: string): void {
    for (const set of [...this.byUser.values()]) for (const c of [...set]) this.close(c, code, reason);
  }

  /** Fallback for a missed revocation publication: MGET the marks of every local session. */
  async sweepRevoked(): Promise<void> {
    const sids = [...this.bySession.keys()];
    for (let i = 0; i < sids.length; i += 500) {
      const chunk = sids.slice(i, i + 500);
      const marks = await this.o.redis.mget(...chunk.map(revokedKey));
      chunk.forEach((sid, j) => {
        if (marks[j] !== null) {
          const n = this.closeSession(sid, CloseCode.TOKEN_REVOKED, 'token revoked');
          this.o.metrics.revocations.inc({ path: 'sweep' }, n);
        }
      });
    }
  }

  /** After the fan-out subscription was down (publications lost), re-read every socket's stream. */
  async catchUpAll(): Promise<void> {
    const conns = [...this.byUser.values()].flatMap((s) => [...s]);
    for (let i = 0; i < conns.length; i += 200) {
      await Promise.all(conns.slice(i, i + 200).filter((c) => !c.closed && !c.busy).map((c) => this.catchUp(c, false)));
    }
  }
}
