/**
 * kill -9 of FerretDB while ride events stream into tracking's timeline (fault project).
 * FerretDB is this file's own process (test/helpers/private-ferretdb.ts); the events go
 * through the local broker with the catalog's tracking-timeline Triggers and their retry
 * policy. As tracking's design says (functions/tracking/ride-log.ts, batched-insert.ts), a
 * write that fails or is not known to be stored answers 5xx, the broker redelivers, and a
 * redelivery of an event already stored comes back as a duplicate: after the restart every
 * event is in the timeline exactly once, nothing went to the dead letters.
 */
import { randomUUID } from 'node:crypto';
import type { Filter } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../contracts/catalog.js';
import { triggersFromCatalog } from '../../contracts/triggers.js';
import { startBroker } from '../../eventing/broker/index.js';
import timelineApp from '../../functions/tracking/timeline.js';
import { timelineCollections, type TimelineDoc } from '../../functions/tracking/store.js';
import { closeClients } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { listen, type Served } from '../../platform/serve.js';
import { createPrivateFerretDb, type PrivateFerretDb } from '../helpers/private-ferretdb.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { until } from '../eventing/crash-helpers.js';
import { AMQP_URL, sendBinary, sleep, startSubscriber, testEvent, uniquePrefix, type Subscriber } from '../eventing/helpers.js';

let ferret: PrivateFerretDb;
let fn: Served;
let deadLetters: Subscriber;
const statuses = new Map<number, number>();
/** Timeline events matching `filter` over every partition (each ride's events are in its shard). */
const countTimeline = async (filter: Filter<TimelineDoc> = {}): Promise<number> =>
  (await Promise.all((await timelineCollections()).map((c) => c.countDocuments(filter)))).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  ferret = await createPrivateFerretDb();
  await ferret.start();
  // Before the first MongoDB call of this process: the client is made from this URL.
  provideSettings({ MONGO_URL: ferret.url });
  fn = await listen(async (req, env) => {
    const res = await timelineApp.fetch(req, env);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    return res;
  }, 0, '127.0.0.1');
  deadLetters = await startSubscriber();
});

afterAll(async () => {
  await fn?.close();
  await deadLetters?.close();
  await cleanupStores().catch(() => undefined);
  await closeClients();
  await ferret?.destroy();
});

function rideEvents(): ReturnType<typeof testEvent>[] {
  const rideId = randomUUID();
  const riderId = randomUUID();
  const driverId = randomUUID();
  const now = new Date().toISOString();
  const fare = { amount: 1250, currency: 'EUR' };
  return [
    testEvent('microride.ride.requested', { rideId, riderId, pickup: { lat: 52.52, lon: 13.4 }, dropoff: { lat: 52.5, lon: 13.45 }, vehicleClass: 'economy', fare, requestedAt: now }),
    testEvent('microride.ride.accepted', { rideId, riderId, driverId, acceptedAt: now }),
    testEvent('microride.ride.started', { rideId, riderId, driverId }),
    testEvent('microride.ride.completed', { rideId, riderId, driverId, distanceMeters: 4200, durationSeconds: 600, fare }),
  ];
}

describe('kill -9 of FerretDB under tracking-timeline', () => {
  it('every ride event ends up in the timeline once, none dead-lettered', async () => {
    const triggers = triggersFromCatalog(catalog.filter((f) => f.name === 'tracking-timeline'));
    const broker = await startBroker({
      amqpUrl: AMQP_URL,
      prefix: uniquePrefix('crashfdb'),
      port: 0,
      triggers,
      queueType: 'quorum',
      subscriberUrl: () => fn.url,
      deadLetterUrl: deadLetters.url,
    });
    try {
      const rides = 150;
      const events = Array.from({ length: rides }, rideEvents).flat();
      let next = 0;
      // Four senders at ~25 events/s each: the stream lasts ~6 s, the outage in the middle.
      const sender = async () => {
        while (next < events.length) {
          const e = events[next++]!;
          while ((await sendBinary(broker.url, e).then((r) => r.status, () => 0)) !== 202) await sleep(100);
          await sleep(40);
        }
      };
      const senders = Promise.all(Array.from({ length: 4 }, sender));
      await until('200 events stored', async () => (await countTimeline()) >= 200, 30_000, 100);
      await ferret.crash();
      // Longer than the driver's 3 s server selection, within the Triggers' retries (5 × 0.2 s·2ⁿ).
      await sleep(4_000);
      await ferret.start();
      await senders;
      const keys = events.map((e) => `${e.source} ${e.id}`);
      await until('every event in the timeline', async () => (await countTimeline({ _id: { $in: keys } })) === events.length, 60_000, 250);

      const failed = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
      const stored = await countTimeline();
      console.info(`ferretdb crash: ${events.length} events, answers ${JSON.stringify(Object.fromEntries(statuses))}, ${stored} timeline documents, ${deadLetters.received.length} dead letters`);
      expect(failed).toBeGreaterThan(0); // the crash really failed writes, which were redelivered
      expect(stored).toBe(events.length);
      expect(deadLetters.received).toHaveLength(0);
    } finally {
      await broker.close();
      await broker.deleteTopology().catch(() => undefined);
    }
  });
});
