/**
 * postgresDedupe keeps its processed-event marks in check itself: the first event a
 * process handles for a service prunes marks older than the retention, recent ones stay
 * (so redeliveries inside the window are still caught). A file of its own: the pruning
 * schedule is per process, and vitest gives each file a fresh module graph.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import {
  PROCESSED_EVENTS_RETENTION_MS,
  PROCESSED_EVENTS_TABLE,
  postgresDedupe,
  processedEventsMigration,
} from '../../platform/events/idempotency.js';
import { sleep } from './helpers.js';

const SERVICE = 'evprune';
const table = () => `${schemaName(SERVICE)}.${PROCESSED_EVENTS_TABLE}`;
const mark = (ageMs: number) => ({ source: '/test', id: randomUUID(), type: 'microride.ride.completed', processed_at: new Date(Date.now() - ageMs) });

beforeAll(async () => {
  await migrate(SERVICE, [processedEventsMigration('001_processed_events')]);
});

afterAll(async () => {
  await dropSchema(SERVICE);
  await closeClients();
});

describe('processed-event marks', () => {
  it('are pruned past the retention by the consumer itself; recent ones still catch a redelivery', async () => {
    const old = mark(PROCESSED_EVENTS_RETENTION_MS + 3_600_000);
    const recent = mark(PROCESSED_EVENTS_RETENTION_MS - 3_600_000);
    await db()(table()).insert([old, recent]);
    const dedupe = postgresDedupe(SERVICE);
    let effects = 0;
    const fresh = await dedupe.once({ source: '/test', id: randomUUID(), type: 'microride.ride.completed' }, async () => {
      effects++;
      return undefined;
    });
    expect(fresh.duplicate).toBe(false);
    // The prune runs beside the event, not in its way: wait for it.
    const deadline = Date.now() + 5_000;
    while ((await db()(table()).where({ id: old.id }).first()) && Date.now() < deadline) await sleep(20);
    expect(await db()(table()).where({ id: old.id }).first()).toBeUndefined();
    const again = await dedupe.once({ source: recent.source, id: recent.id, type: recent.type }, async () => {
      effects++;
      return undefined;
    });
    expect(again.duplicate).toBe(true);
    expect(effects).toBe(1);
  });
});
