/**
 * Fault injection on the shared RabbitMQ (fault project: runs alone). RabbitMQ is
 * stopped with `rabbitmqctl stop_app` for a few seconds and ALWAYS started again
 * (finally + afterAll, then `await_startup`).
 *  1. A restart in the middle of a stream of 1,000 events: every event the ingress
 *     acknowledged (202) is delivered at least once.
 *  2. RabbitMQ down while a function commits: the outbox delivers once it is back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startBroker } from '../../eventing/broker/index.js';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import { provideSettings } from '../../platform/config.js';
import { enqueueEvent, outboxMigration, outboxPublishOnCommitMigration, settlePublishes, startOutboxRelay } from '../../platform/events/outbox.js';
import { AMQP_URL, rabbitmqctl, sendBinary, sleep, startSubscriber, testEvent, trigger, uniquePrefix } from './helpers.js';

let rabbitStopped = false;

async function stopRabbit(): Promise<void> {
  rabbitStopped = true;
  await rabbitmqctl('stop_app');
}

async function startRabbit(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
  rabbitStopped = false;
}

afterAll(async () => {
  // Whatever happened above, leave RabbitMQ running for everyone else.
  if (rabbitStopped) await startRabbit();
  await closeClients();
});

async function until(what: string, f: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('RabbitMQ restart', () => {
  it('loses none of 1,000 acknowledged events when RabbitMQ restarts mid-stream', async () => {
    const received = new Map<string, number>();
    const sub = await startSubscriber((r) => {
      received.set(r.event.id, (received.get(r.event.id) ?? 0) + 1);
      return { status: 202 };
    });
    const broker = await startBroker({
      amqpUrl: AMQP_URL,
      prefix: uniquePrefix('fault'),
      port: 0,
      triggers: [trigger('stream', { type: 'test.stream' }, { parallelism: 16, delivery: { retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' } })],
      subscriberUrl: () => sub.url,
    });
    const total = 1_000;
    const acked = new Set<string>();
    let refused = 0;
    try {
      const events = Array.from({ length: total }, (_, i) => testEvent('test.stream', { i }));
      let next = 0;
      // Eight senders at ~50 events/s each: the stream lasts long enough to straddle the restart.
      // A sender retries an event until the ingress acknowledges it, as the outbox relay does.
      const sender = async () => {
        while (next < events.length) {
          const e = events[next++]!;
          for (;;) {
            const status = await sendBinary(broker.url, e).then((r) => r.status, () => 0);
            if (status === 202) {
              acked.add(e.id);
              break;
            }
            refused++;
            await sleep(100);
          }
          await sleep(20);
        }
      };
      const senders = Promise.all(Array.from({ length: 8 }, sender));
      await until('300 acknowledged events', () => acked.size >= 300, 30_000);
      try {
        await stopRabbit();
        await sleep(2_000);
      } finally {
        await startRabbit();
      }
      await senders;
      await until('every acknowledged event delivered', () => [...acked].every((id) => received.has(id)), 60_000);

      const duplicates = [...received.values()].filter((n) => n > 1).length;
      console.info(`fault: ${acked.size} acknowledged, ${refused} refused during the outage, ${received.size} delivered, ${duplicates} redelivered`);
      expect(acked.size).toBe(total);
      expect(refused).toBeGreaterThan(0); // the outage really hit the stream
      for (const e of events) expect(received.has(e.id)).toBe(true);
    } finally {
      await broker.close();
      await broker.deleteTopology().catch(() => undefined);
      await sub.close();
    }
  });
});

describe('outbox across a broker outage', () => {
  it('a commit made while RabbitMQ is down is delivered after it comes back', async () => {
    const SERVICE = 'evfault';
    await migrate(SERVICE, [outboxMigration('001_outbox'), outboxPublishOnCommitMigration('002_outbox_publish_on_commit')]);
    const sub = await startSubscriber();
    const broker = await startBroker({
      amqpUrl: AMQP_URL,
      prefix: uniquePrefix('faultob'),
      port: 0,
      triggers: [trigger('declines', { type: 'microride.ride.declined' })],
      subscriberUrl: () => sub.url,
    });
    // Publish on commit tries first (and fails: RabbitMQ is down); the relay takes over.
    provideSettings({ K_SINK: broker.url });
    const relay = await startOutboxRelay({ services: [SERVICE], sink: broker.url, graceMs: 0, baseBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 500 });
    const spec = { name: 'rides-decline', service: SERVICE, emits: ['microride.ride.declined'] };
    try {
      let id = '';
      try {
        await stopRabbit();
        const rideId = randomUUID();
        id = await db().transaction(async (trx) => (await enqueueEvent(trx, spec, { type: 'microride.ride.declined', subject: rideId, data: { rideId, driverId: randomUUID() } })).id);
        let lastError = '';
        await until('failed publish attempts', async () => {
          const row = (await db()(`${schemaName(SERVICE)}.outbox`).where({ id }).first()) as { attempts: number; last_error: string | null } | undefined;
          lastError = row?.last_error ?? '';
          return (row?.attempts ?? 0) >= 2;
        }, 10_000);
        expect(lastError).toMatch(/503/); // the ingress said "RabbitMQ unavailable"
        expect(sub.received.some((r) => r.event.id === id)).toBe(false);
      } finally {
        await startRabbit();
      }
      await until('delivery after the restart', () => sub.received.some((r) => r.event.id === id), 30_000);
      await until('row deleted', async () => (await db()(`${schemaName(SERVICE)}.outbox`).where({ id }).first()) === undefined, 5_000);
    } finally {
      provideSettings({ K_SINK: undefined });
      await settlePublishes();
      await relay.close();
      await broker.close();
      await broker.deleteTopology().catch(() => undefined);
      await sub.close();
      await dropSchema(SERVICE);
    }
  });
});
