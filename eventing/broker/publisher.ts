/**
 * Publishes with publisher confirms: a publish resolves only once RabbitMQ has taken
 * responsibility for the message (routed and, for durable queues, persisted), and
 * fails fast while there is no connection. The confirm channel is rebuilt on reconnect.
 */
import type { ConfirmChannel, Options } from 'amqplib';
import type { AmqpLink } from './connection.js';

/** RabbitMQ refused the message (basic.nack): the ingress answers 500. */
export class NackError extends Error {
  constructor() {
    super('RabbitMQ did not confirm the message (nack)');
    this.name = 'NackError';
  }
}

/** No connection, or it dropped before the confirm: worth retrying later. */
export class UnavailableError extends Error {
  constructor(detail: string) {
    super(`RabbitMQ unavailable: ${detail}`);
    this.name = 'UnavailableError';
  }
}

export interface Publisher {
  readonly ready: boolean;
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void>;
}

export async function createPublisher(link: AmqpLink): Promise<Publisher> {
  let channel: ConfirmChannel | undefined;
  let drained: Promise<void> | undefined;

  await link.onConnect(async (conn) => {
    const ch = await conn.createConfirmChannel();
    ch.on('error', () => undefined); // the close event carries the consequence
    ch.on('close', () => {
      if (channel === ch) channel = undefined;
      // A channel-level error (e.g. a missing exchange) leaves the connection up:
      // rebuild through the link so every setup runs again.
      if (link.connection === conn) link.reset('confirm channel closed');
    });
    channel = ch;
    drained = undefined;
  });

  return {
    get ready() {
      return channel !== undefined;
    },
    async publish(exchange, routingKey, content, options) {
      if (drained) await drained;
      const ch = channel;
      if (!ch) throw new UnavailableError('not connected');
      await new Promise<void>((resolve, reject) => {
        let ok: boolean;
        try {
          ok = ch.publish(exchange, routingKey, content, options, (err: unknown) => {
            if (!err) resolve();
            // amqplib fails pending confirms with "message nacked" or "channel closed".
            else if ((err as Error).message === 'message nacked') reject(new NackError());
            else reject(new UnavailableError('connection lost before the confirm'));
          });
        } catch (err) {
          reject(new UnavailableError((err as Error).message));
          return;
        }
        // Back-pressure: the socket buffer is full; later publishes wait for it to drain.
        if (!ok && !drained) {
          drained = new Promise<void>((r) => {
            const done = () => {
              drained = undefined;
              ch.off('drain', done);
              ch.off('close', done);
              r();
            };
            ch.once('drain', done);
            ch.once('close', done);
          });
        }
      });
    },
  };
}
