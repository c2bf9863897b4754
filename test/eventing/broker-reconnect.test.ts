/**
 * Reconnection without touching anyone else: RabbitMQ force-closes only this broker's
 * connections (rabbitmqctl close_connection); ingress and dispatchers come back by
 * themselves and nothing acknowledged is lost.
 */
import { describe, expect, it } from 'vitest';
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
});
