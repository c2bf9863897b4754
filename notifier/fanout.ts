/**
 * Replica fan-out over Redis pub/sub. The replica that receives a CloudEvent stores and
 * publishes it once (streams.ts); every replica, itself included, receives the publication
 * on one channel and delivers to its own sockets only. One shared channel keeps this
 * simple and is ample for a handful of replicas (each sees every publication, ~100 bytes
 * plus the body); sharding the channel by user hash is the next step if replicas grow.
 *
 * The same subscriber connection listens for revoked sessions (accounts publishes them)
 * and for live driver positions (tracking publishes them: contracts/live-position.ts),
 * which are not stored and are written to the rider's sockets as they come.
 */
import type { Redis } from 'ioredis';
import type { LiveMessage } from './connections.js';

export interface Publication {
  recipients: { userId: string; id: string; prev: string }[];
  message: Omit<LiveMessage, 'id' | 'prev'>;
}

/** "<receipt ms>\n<user id prev>;…\n<body>" → parts; null if malformed. */
export function parsePublication(payload: string): Publication | null {
  const a = payload.indexOf('\n');
  const b = a < 0 ? -1 : payload.indexOf('\n', a + 1);
  if (a < 0 || b < 0) return null;
  const t = Number(payload.slice(0, a));
  const recipients = payload
    .slice(a + 1, b)
    .split(';')
    .map((r) => r.split(' '))
    .filter((p): p is [string, string, string] => p.length === 3)
    .map(([userId, id, prev]) => ({ userId, id, prev }));
  return { recipients, message: { t, body: payload.slice(b + 1) } };
}

/** A live position: "<publish ms>\n<user id>\n<message text>" → parts; null if malformed. */
export function parseLivePublication(payload: string): LivePublication | null {
  const a = payload.indexOf('\n');
  const b = a < 0 ? -1 : payload.indexOf('\n', a + 1);
  if (a < 0 || b < 0) return null;
  const t = Number(payload.slice(0, a));
  return { t: Number.isFinite(t) ? t : Date.now(), userId: payload.slice(a + 1, b), text: payload.slice(b + 1) };
}

export interface LivePublication {
  /** When tracking published it (ms), for the latency histogram. */
  t: number;
  userId: string;
  /** The frame, as the socket receives it. */
  text: string;
}

export interface FanoutHandlers {
  onPublication(p: Publication): void;
  onLive(p: LivePublication): void;
  onRevoked(sessionId: string): void;
  /** Subscription re-established after a drop: publications may have been missed. */
  onResubscribed(): void;
}

export async function subscribe(sub: Redis, channels: { fanout: string; revocations: string; live: string }, h: FanoutHandlers): Promise<void> {
  sub.on('message', (channel: string, payload: string) => {
    if (channel === channels.fanout) {
      const p = parsePublication(payload);
      if (p) h.onPublication(p);
    } else if (channel === channels.live) {
      const p = parseLivePublication(payload);
      if (p) h.onLive(p);
    } else if (channel === channels.revocations) {
      h.onRevoked(payload);
    }
  });
  await sub.subscribe(channels.fanout, channels.revocations, channels.live);
  // Any later 'ready' is a reconnect: ioredis re-subscribes by itself, but whatever was
  // published while the connection was down is gone, so sockets must re-read their streams.
  sub.on('ready', () => h.onResubscribed());
}
