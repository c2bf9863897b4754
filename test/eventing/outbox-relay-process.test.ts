/**
 * The always-on outbox relay (platform/outbox-relay-process.ts): with no process of a
 * service running (the commit here has no K_SINK, so nothing publishes on commit and no
 * function pod relays), the row is published by the relay alone, within seconds, and
 * without any traffic to that service.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import { enqueueEvent, outboxMigration, outboxPublishOnCommitMigration, settlePublishes } from '../../platform/events/outbox.js';
import { startAlwaysOnRelay, type AlwaysOnRelay } from '../../platform/outbox-relay-process.js';
import { sleep, startSubscriber, type Subscriber } from './helpers.js';

const SERVICES = ['evrelaya', 'evrelayb'];
const specOf = (service: string) => ({ name: 'rides-decline', service, emits: ['microride.ride.declined'] });

let sink: Subscriber;
let relay: AlwaysOnRelay | undefined;

beforeAll(async () => {
  // No K_SINK: the committing process cannot publish, as if the service's pods were at zero.
  provideSettings({ K_SINK: undefined, OUTBOX_GRACE_MS: '300' });
  for (const s of SERVICES) await migrate(s, [outboxMigration('001_outbox'), outboxPublishOnCommitMigration('002_outbox_publish_on_commit')]);
  sink = await startSubscriber();
});

afterAll(async () => {
  await relay?.close();
  await settlePublishes();
  await sink.close();
  for (const s of SERVICES) await dropSchema(s);
  provideSettings({ OUTBOX_GRACE_MS: undefined });
  await closeClients();
});

describe('always-on outbox relay', () => {
  it('publishes the rows of every service with no process of its own running, within seconds, and serves its health', async () => {
    relay = await startAlwaysOnRelay({ services: SERVICES, sink: sink.url, port: 0, pollIntervalMs: 200 });
    const ids: string[] = [];
    for (const s of SERVICES) {
      const rideId = randomUUID();
      ids.push(await db().transaction(async (trx) => (await enqueueEvent(trx, specOf(s), { type: 'microride.ride.declined', subject: rideId, data: { rideId, driverId: randomUUID() } })).id));
    }
    const started = Date.now();
    while (!ids.every((id) => sink.received.some((r) => r.event.id === id))) {
      if (Date.now() - started > 5_000) throw new Error(`not published within 5 s: ${ids.filter((id) => !sink.received.some((r) => r.event.id === id)).join(', ')}`);
      await sleep(50);
    }
    // …and deleted once sent.
    for (const s of SERVICES) {
      await expect.poll(async () => Number(((await db()(`${schemaName(s)}.outbox`).count({ n: '*' }).first()) as { n: string }).n)).toBe(0);
    }
    expect((await fetch(`${relay.url}/health/liveness`)).status).toBe(200);
    const ready = await fetch(`${relay.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ function: 'outbox-relay', checks: { postgres: 'ok' } });
  });

  it('/metrics counts the parked rows of each service (whoever parked them)', async () => {
    relay ??= await startAlwaysOnRelay({ services: SERVICES, sink: sink.url, port: 0, pollIntervalMs: 200 });
    const rideId = randomUUID();
    const id = await db().transaction(async (trx) => (await enqueueEvent(trx, specOf(SERVICES[1]!), { type: 'microride.ride.declined', subject: rideId, data: { rideId, driverId: randomUUID() } })).id);
    // As publish on commit or a relay leaves a row the broker rejected.
    await db()(`${schemaName(SERVICES[1]!)}.outbox`).where({ id }).update({ attempts: 1, last_error: 'HTTP 400', next_attempt_at: db().raw(`'infinity'::timestamptz`) });
    const res = await fetch(`${relay.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`microride_outbox_parked_rows{service="${SERVICES[0]}"} 0`);
    expect(text).toContain(`microride_outbox_parked_rows{service="${SERVICES[1]}"} 1`);
    expect(text).toContain('# TYPE microride_outbox_parked_rows gauge');
  });
});
