/**
 * Reconnection without touching anyone else: RabbitMQ force-closes only this broker's
 * connections (rabbitmqctl close_connection); ingress and dispatchers come back by
 * themselves and nothing acknowledged is lost.
 */
import { describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { startBroker } from '../../eventing/broker/index.js';
import { AMQP_URL, dropConnections, sendBinary, sleep, startSubscriber, testEvent, trigger, uniquePrefix } from './helpers.js';

describe('reconnect', () => {
  it('recovers after RabbitMQ drops its connections, losing nothing it acknowledged', async () => {
    const sub = await startSubscriber();
    const prefix = uniquePrefix('reconnect');
    const broker = await startBroker({ amqpUrl: AMQP_URL, prefix, port: 0, triggers: [trigger('r', { type: 'test.r' })], subscriberUrl: () => sub.url });
    const send = async (n: number) => {
      const ids: string[] = [];
      let refused = 0;
      for (let i = 0; i < n; i++) {
        const e = testEvent('test.r', { i });
        // A sender retries until acknowledged, as the outbox relay does.
        while ((await sendBinary(broker.url, e)).status !== 202) {
          refused++;
          await sleep(50);
        }
        ids.push(e.id);
      }
      return { ids, refused };
    };
    try {
      const before = await send(20);
      await sub.waitFor(20, 10_000);
      expect(await dropConnections(prefix)).toBe(2); // ingress + dispatcher
      const after = await send(20);
      await sub.waitFor(40, 15_000);
      const got = new Set(sub.received.map((r) => r.event.id));
      for (const id of [...before.ids, ...after.ids]) expect(got.has(id)).toBe(true);
    } finally {
      await broker.close();
      await broker.deleteTopology();
      await sub.close();
    }
  });

  it('fails start-up with a clear message when a Trigger queue exists with another type', async () => {
    const prefix = uniquePrefix('qtype');
    const conn = await connect(AMQP_URL);
    const ch = await conn.createChannel();
    const queue = `${prefix}trigger.t`;
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    try {
      await expect(
        startBroker({ amqpUrl: AMQP_URL, prefix, port: 0, triggers: [trigger('t', { type: 'test.t' }, { deadLetterSink: undefined })], subscriberUrl: () => 'http://127.0.0.1:9', queueType: 'quorum', connectTimeoutMs: 1_500 }),
      ).rejects.toThrow(/already exists with other arguments/);
    } finally {
      await ch.deleteQueue(queue);
      await ch.deleteExchange(`${prefix}broker.microride`);
      await ch.deleteExchange(`${prefix}broker.microride.dlx`);
      await conn.close();
    }
  });
});
