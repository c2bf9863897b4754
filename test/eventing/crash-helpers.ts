/**
 * Helpers for the crash tests (kill -9 of RabbitMQ, the broker, FerretDB, a gateway worker):
 * an idempotent consumer whose side effect is NOT idempotent, so a duplicate that slips
 * past the dedupe shows up as a second side-effect row, and a wait on a positive condition.
 */
import type { Knex } from 'knex';
import { db, schemaName } from '../../platform/clients.js';
import { migrate, type Migration } from '../../platform/migrate.js';
import { postgresDedupe, processedEventsMigration } from '../../platform/events/idempotency.js';
import { sleep, startSubscriber, type Subscriber } from './helpers.js';

export async function until(what: string, f: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** One row per time the consumer's effect ran: a plain insert, no unique key. */
const sideEffectsMigration: Migration = {
  name: 'side_effects',
  async up(knex: Knex, s: string) {
    await knex.schema.withSchema(s).createTable('side_effects', (t) => {
      t.bigIncrements('n');
      t.text('event_id').notNullable();
    });
  },
  async down(knex: Knex, s: string) {
    await knex.schema.withSchema(s).dropTableIfExists('side_effects');
  },
};

export interface IdempotentConsumer {
  readonly sub: Subscriber;
  /** HTTP deliveries that reached the consumer (duplicates included). */
  deliveries(): number;
  /** Milliseconds each delivery waits before it is handled (a slow consumer builds a backlog). */
  setDelay(ms: number): void;
  /** Side-effect rows and distinct event ids among them, read from PostgreSQL. */
  counts(): Promise<{ effects: number; distinct: number }>;
  /** The event ids whose effect ran, from PostgreSQL. */
  effectIds(): Promise<Set<string>>;
}

/**
 * A subscriber that dedupes on source + id with postgresDedupe (the mark and the effect in
 * one transaction, as functions do) and whose effect inserts a row into `side_effects`.
 * Run `migrateConsumer(service)` first.
 */
export async function startIdempotentConsumer(service: string, opts: { delayMs?: number } = {}): Promise<IdempotentConsumer> {
  const dedupe = postgresDedupe(service);
  let delayMs = opts.delayMs ?? 0;
  let deliveries = 0;
  const sub = await startSubscriber(async (r) => {
    deliveries++;
    if (delayMs > 0) await sleep(delayMs);
    const e = r.event;
    await dedupe.once({ source: e.source, id: e.id, type: e.type }, async ({ trx, schema }) => {
      await trx(`${schema}.side_effects`).insert({ event_id: e.id });
      return undefined;
    });
    return { status: 202 };
  });
  const table = () => db()(`${schemaName(service)}.side_effects`);
  return {
    sub,
    deliveries: () => deliveries,
    setDelay(ms) {
      delayMs = ms;
    },
    async counts() {
      const row = (await table().select(db().raw('count(*)::int as effects, count(distinct event_id)::int as distinct'))) as unknown as { effects: number; distinct: number }[];
      return row[0] ?? { effects: 0, distinct: 0 };
    },
    async effectIds() {
      const rows = (await table().select('event_id')) as { event_id: string }[];
      return new Set(rows.map((r) => r.event_id));
    },
  };
}

export async function migrateConsumer(service: string, more: readonly Migration[] = []): Promise<void> {
  await migrate(service, [...more, processedEventsMigration('900_processed_events'), { ...sideEffectsMigration, name: '901_side_effects' }]);
}
