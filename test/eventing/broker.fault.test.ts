/**
 * Crashes of RabbitMQ under the local broker (fault project: one file at a time). The node
 * is this file's own (test/helpers/private-rabbitmq.ts): `kill -9` of its Erlang VM, then a
 * boot on the same data directory, as after a real crash; the machine's shared node is
 * never touched. Queues are quorum queues, as the cluster's RabbitmqBrokerConfig declares.
 * Consumers dedupe with postgresDedupe and their effect is a plain insert, so a duplicate
 * that got past the dedupe would show as a second effect row.
 *  1. A crash with a stream of 2,000 events in flight and a backlog in the queue (a slow
 *     consumer): every event the ingress acknowledged (202) has its effect exactly once.
 *  2. 1,000 outbox commits across a 10 s outage (crash, 10 s down, restart): all
 *     delivered, each effect once.
 *  3. kill -9 of the broker's own process (its own process here; `npm start` runs it in
 *     the primary) with deliveries in flight and a backlog: a new process on the same
 *     port picks up what RabbitMQ still holds; every acknowledged event has one effect.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { dropSchema } from '../../platform/migrate.js';
import { provideSettings } from '../../platform/config.js';
import { enqueueEvent, outboxMigration, outboxPublishOnCommitMigration, settlePublishes, startOutboxRelay } from '../../platform/events/outbox.js';
import { createPrivateRabbit, type PrivateRabbit } from '../helpers/private-rabbitmq.js';
import { migrateConsumer, startIdempotentConsumer, until } from './crash-helpers.js';
import { sendBinary, sleep, testEvent, trigger, uniquePrefix } from './helpers.js';
import { freePort } from '../helpers/free-port.js';

let rabbit: PrivateRabbit;

beforeAll(async () => {
  rabbit = await createPrivateRabbit('broker');
  await rabbit.start();
});

afterAll(async () => {
  await rabbit?.destroy();
  await closeClients();
});

/** Ready messages in a queue of the private node (a passive declare). */
async function readyMessages(queue: string): Promise<number> {
  const conn = await connect(rabbit.amqpUrl);
  try {
    const ch = await conn.createChannel();
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

async function crashAndRestart(downMs: number): Promise<void> {
  await rabbit.crash();
  try {
    await sleep(downMs);
  } finally {
    await rabbit.start();
  }
}


/**
 * Eight senders that retry each event until the ingress acknowledges it (202), as the
 * outbox relay does; `refused` counts the attempts the ingress did not take.
 */
function sendUntilAcked(ingress: string, events: readonly Parameters<typeof sendBinary>[1][]) {
  const stream = { acked: new Set<string>(), refused: 0, done: Promise.resolve() };
  let next = 0;
  const sender = async () => {
    while (next < events.length) {
      const e = events[next++]!;
      while ((await sendBinary(ingress, e).then((r) => r.status, () => 0)) !== 202) {
        stream.refused++;
        await sleep(100);
      }
      stream.acked.add(e.id);
    }
  };
  stream.done = Promise.all(Array.from({ length: 8 }, sender)).then(() => undefined);
  return stream;
}

describe('kill -9 of RabbitMQ', () => {
  it('loses none of 2,000 acknowledged events with a backlog queued; duplicates have no second effect', async () => {
    const SERVICE = 'evcrash';
    await migrateConsumer(SERVICE);
    // Slow while the backlog builds (8 × 40 ms ≈ 200 events/s), fast once the node is back.
    const consumer = await startIdempotentConsumer(SERVICE, { delayMs: 40 });
    const t = trigger('stream', { type: 'test.stream' }, { parallelism: 8, delivery: { retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' } });
    let broker: RunningBroker | undefined;
    try {
      broker = await startBroker({ amqpUrl: rabbit.amqpUrl, prefix: uniquePrefix('crash'), port: 0, triggers: [t], queueType: 'quorum', subscriberUrl: () => consumer.sub.url });
      const ingress = broker.url;
      const total = 2_000;
      const events = Array.from({ length: total }, (_, i) => testEvent('test.stream', { i }));
      const stream = sendUntilAcked(ingress, events);
      const { acked, done: senders } = stream;
      const queue = broker.names.queue(t);
      let backlog = 0;
      await until('1,000 acknowledged events and a backlog of 300', async () => {
        if (acked.size < 1_000) return false;
        backlog = await readyMessages(queue);
        return backlog >= 300;
      }, 60_000, 100);
      const sentBeforeCrash = acked.size;
      await crashAndRestart(1_000);
      consumer.setDelay(0);
      await senders;
      await until('an effect for every acknowledged event', async () => (await consumer.counts()).distinct >= acked.size, 120_000, 250);
      // The queue is empty and nothing is unacknowledged: no later redelivery can add an effect.
      await until('the queue drained', async () => (await readyMessages(queue)) === 0, 30_000, 250);

      const { effects, distinct } = await consumer.counts();
      const ids = await consumer.effectIds();
      console.info(`crash: ${sentBeforeCrash} acknowledged and a backlog of ${backlog} ready at the crash, ${stream.refused} refused during the outage, ${consumer.deliveries()} deliveries, ${distinct} distinct, ${effects} effects`);
      expect(acked.size).toBe(total);
      expect(stream.refused).toBeGreaterThan(0); // the crash really hit the stream
      expect(events.filter((e) => !ids.has(e.id))).toEqual([]);
      expect(effects).toBe(total);
      expect(distinct).toBe(total);
    } finally {
      await broker?.close();
      await broker?.deleteTopology().catch(() => undefined);
      await consumer.sub.close();
      await dropSchema(SERVICE);
    }
  });
});

describe('outbox across a 10 s crash of RabbitMQ', () => {
  it('1,000 commits before, during and after the outage: all delivered, each effect once', async () => {
    const SERVICE = 'evcrashob';
    await migrateConsumer(SERVICE, [outboxMigration('001_outbox'), outboxPublishOnCommitMigration('002_outbox_publish_on_commit')]);
    const consumer = await startIdempotentConsumer(SERVICE);
    const broker = await startBroker({
      amqpUrl: rabbit.amqpUrl,
      prefix: uniquePrefix('crashob'),
      port: 0,
      triggers: [trigger('declines', { type: 'microride.ride.declined' }, { parallelism: 16, delivery: { retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' } })],
      queueType: 'quorum',
      subscriberUrl: () => consumer.sub.url,
    });
    // Publish on commit tries first (and fails while RabbitMQ is down); the relay takes over.
    provideSettings({ K_SINK: broker.url });
    const relay = await startOutboxRelay({ services: [SERVICE], sink: broker.url, graceMs: 500, baseBackoffMs: 100, maxBackoffMs: 1_000, pollIntervalMs: 250 });
    const spec = { name: 'rides-decline', service: SERVICE, emits: ['microride.ride.declined'] };
    const outbox = () => db()(`${schemaName(SERVICE)}.outbox`);
    try {
      const total = 1_000;
      const ids: string[] = [];
      let committed = 0;
      let duringOutage = 0;
      let down = false;
      // Ten writers at ~5 commits/s each: ~20 s of commits, the outage in the middle.
      const writer = async () => {
        while (committed < total) {
          committed++;
          const rideId = randomUUID();
          const id = await db().transaction(async (trx) => (await enqueueEvent(trx, spec, { type: 'microride.ride.declined', subject: rideId, data: { rideId, driverId: randomUUID() } })).id);
          ids.push(id);
          if (down) duringOutage++;
          await sleep(200);
        }
      };
      const writers = Promise.all(Array.from({ length: 10 }, writer));
      await until('300 commits', () => ids.length >= 300, 30_000);
      await rabbit.crash();
      down = true;
      try {
        await sleep(10_000);
        // Rows committed during the outage are still in the outbox, with failed attempts.
        const waiting = (await outbox().where('attempts', '>', 0).count({ n: '*' })) as { n: string }[];
        expect(Number(waiting[0]?.n)).toBeGreaterThan(0);
      } finally {
        down = false;
        await rabbit.start();
      }
      await writers;
      await until('an effect for every commit', async () => (await consumer.counts()).distinct >= total, 120_000, 250);
      await until('the outbox empty', async () => (await outbox().first()) === undefined, 30_000, 250);

      const { effects, distinct } = await consumer.counts();
      const got = await consumer.effectIds();
      console.info(`outbox crash: ${total} commits, ${duringOutage} during the 10 s outage, ${consumer.deliveries()} deliveries, ${distinct} distinct, ${effects} effects`);
      expect(duringOutage).toBeGreaterThan(0);
      expect(ids.filter((id) => !got.has(id))).toEqual([]);
      expect(effects).toBe(total);
      expect(distinct).toBe(total);
    } finally {
      provideSettings({ K_SINK: undefined });
      await settlePublishes();
      await relay.close();
      await broker.close();
      await broker.deleteTopology().catch(() => undefined);
      await consumer.sub.close();
      await dropSchema(SERVICE);
    }
  });
});

const brokerFixture = new URL('./fixtures/broker-process.ts', import.meta.url).pathname;

/** The broker in a child process; resolves once it listens. */
async function spawnBroker(fixture: Record<string, unknown>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', brokerFixture], { env: { ...process.env, BROKER_FIXTURE: JSON.stringify(fixture) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (c: Buffer) => (out += String(c)));
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (/listening \d+/.test(out)) return child;
  }
  throw new Error(`broker process exited before listening: ${out}`);
}

describe('kill -9 of the broker process', () => {
  it('a new broker process delivers the backlog and the unacknowledged deliveries; each effect once', async () => {
    const SERVICE = 'evcrashbr';
    await migrateConsumer(SERVICE);
    const consumer = await startIdempotentConsumer(SERVICE, { delayMs: 40 });
    const t = trigger('stream', { type: 'test.stream' }, { parallelism: 8, delivery: { retry: 10, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' } });
    const port = await freePort();
    const fixture = { amqpUrl: rabbit.amqpUrl, prefix: uniquePrefix('crashbr'), port, triggers: [t], subscriberUrl: consumer.sub.url, queueType: 'quorum' };
    const ingress = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined = await spawnBroker(fixture);
    try {
      const total = 2_000;
      const events = Array.from({ length: total }, (_, i) => testEvent('test.stream', { i }));
      const stream = sendUntilAcked(ingress, events);
      const { acked, done: senders } = stream;
      const queue = `${fixture.prefix}trigger.${t.name}`;
      let backlog = 0;
      await until('1,000 acknowledged events and a backlog of 300', async () => {
        if (acked.size < 1_000) return false;
        backlog = await readyMessages(queue);
        return backlog >= 300;
      }, 60_000, 100);
      const inFlight = consumer.deliveries();
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      child = undefined;
      await sleep(500);
      consumer.setDelay(0);
      child = await spawnBroker(fixture);
      await senders;
      await until('an effect for every acknowledged event', async () => (await consumer.counts()).distinct >= acked.size, 120_000, 250);
      await until('the queue drained', async () => (await readyMessages(queue)) === 0, 30_000, 250);

      const { effects, distinct } = await consumer.counts();
      const ids = await consumer.effectIds();
      console.info(`broker crash: ${inFlight} deliveries before the kill, backlog ${backlog}, ${stream.refused} refused while no broker listened, ${consumer.deliveries()} deliveries, ${distinct} distinct, ${effects} effects`);
      expect(acked.size).toBe(total);
      expect(stream.refused).toBeGreaterThan(0);
      expect(events.filter((e) => !ids.has(e.id))).toEqual([]);
      expect(effects).toBe(total);
      expect(distinct).toBe(total);
    } finally {
      if (child) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      const cleanup = await startBroker({ amqpUrl: rabbit.amqpUrl, prefix: fixture.prefix, port: 0, triggers: [t], queueType: 'quorum', subscriberUrl: () => consumer.sub.url });
      await cleanup.close();
      await cleanup.deleteTopology().catch(() => undefined);
      await consumer.sub.close();
      await dropSchema(SERVICE);
    }
  });
});
