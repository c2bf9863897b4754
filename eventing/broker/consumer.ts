/**
 * Consumes one queue with manual acks and a prefetch window, re-subscribing after every
 * reconnect. Each message is handed to `handle`, which says whether to ack it, requeue
 * it or drop it; a message whose channel died meanwhile is left to RabbitMQ, which
 * redelivers it (at least once).
 */
import { setMaxListeners } from 'node:events';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../platform/logger.js';
import type { AmqpLink } from './connection.js';

export type Verdict = 'ack' | 'requeue' | 'drop';

export interface ConsumerOptions {
  link: AmqpLink;
  queue: string;
  /** Unacked messages in flight at once; with 1 the queue's order is kept. */
  prefetch: number;
  log: Logger;
  /** Runs on the fresh channel after every (re)connect, before consuming (declares the queue, for instance). */
  prepare?: (ch: Channel) => Promise<void>;
  handle(msg: ConsumeMessage, signal: AbortSignal): Promise<Verdict>;
}

export interface Consumer {
  readonly inFlight: number;
  /** Stops taking messages, lets in-flight ones finish (up to timeoutMs), closes the channel. */
  close(timeoutMs?: number): Promise<void>;
}

interface Session {
  ch: Channel;
  tag: string;
  abort: AbortController;
}

export async function startConsumer(opts: ConsumerOptions): Promise<Consumer> {
  const inFlight = new Set<Promise<void>>();
  let session: Session | undefined;
  let closing = false;

  const run = (msg: ConsumeMessage, s: Session) => {
    const p = opts
      .handle(msg, s.abort.signal)
      .catch((err: unknown) => {
        opts.log.error({ err, queue: opts.queue }, 'message handler failed; requeueing');
        return 'requeue' as const;
      })
      .then((verdict) => {
        // Delivery tags belong to their channel: once it is gone, RabbitMQ redelivers.
        if (s.abort.signal.aborted) return;
        try {
          if (verdict === 'ack') s.ch.ack(msg);
          else s.ch.nack(msg, false, verdict === 'requeue');
        } catch {
          // channel closed between the check and the ack: redelivered later
        }
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  await opts.link.onConnect(async (conn) => {
    if (closing) return;
    const ch = await conn.createChannel();
    const s: Session = { ch, tag: '', abort: new AbortController() };
    // Every in-flight delivery (up to prefetch) listens on this one signal.
    setMaxListeners(0, s.abort.signal);
    ch.on('error', (err: Error) => opts.log.warn({ err: err.message, queue: opts.queue }, 'consumer channel error'));
    ch.on('close', () => {
      s.abort.abort();
      if (session === s) session = undefined;
      if (!closing && opts.link.connection === conn) opts.link.reset(`consumer channel for ${opts.queue} closed`);
    });
    if (opts.prepare) await opts.prepare(ch);
    await ch.prefetch(opts.prefetch);
    const { consumerTag } = await ch.consume(
      opts.queue,
      (msg) => {
        if (msg) run(msg, s);
        else if (!closing) opts.log.warn({ queue: opts.queue }, 'consumer cancelled by RabbitMQ (queue deleted?)');
      },
      { noAck: false },
    );
    s.tag = consumerTag;
    session = s;
  });

  return {
    get inFlight() {
      return inFlight.size;
    },
    async close(timeoutMs = 5_000) {
      closing = true;
      const s = session;
      session = undefined;
      if (s) await s.ch.cancel(s.tag).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((r) => {
          timer = setTimeout(r, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (s) {
        s.abort.abort();
        await s.ch.close().catch(() => undefined);
      }
    },
  };
}
