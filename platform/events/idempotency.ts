/**
 * Idempotent consumers: a redelivered event (same source + id) has no second effect.
 *  - postgresDedupe: the processed-event row is written in the same transaction as the
 *    handler's effect, so "processed" and "effect happened" cannot disagree. Use it
 *    whenever the consumer's state lives in PostgreSQL.
 *  - redisDedupe: SET NX claims the event, the outcome is kept with a TTL. The effect
 *    and the mark are not atomic: if the process dies in between, the claim expires and
 *    the event is processed again — only for effects that tolerate that.
 * Both remember the handler's reply, so a duplicate gets the same reply (same event id,
 * which downstream consumers dedupe in turn).
 */
import type { Knex } from 'knex';
import { CloudEvent } from 'cloudevents';
import { db, redis, rkey, schemaName } from '../clients.js';
import type { Migration } from '../migrate.js';
import { HttpProblem } from '../problem.js';

export interface DedupeKey {
  source: string;
  id: string;
  type: string;
}

export type ReplyEvent = CloudEvent<unknown> | undefined;

export interface DedupeResult {
  duplicate: boolean;
  reply: ReplyEvent;
}

/** X: what the store adds to the handler's context (the transaction, for PostgreSQL). */
export interface Dedupe<X extends object> {
  once(key: DedupeKey, work: (extra: X) => Promise<ReplyEvent>): Promise<DedupeResult>;
}

const revive = (json: unknown): ReplyEvent => {
  if (json === null || json === undefined) return undefined;
  const obj = typeof json === 'string' ? (JSON.parse(json) as Record<string, unknown>) : (json as Record<string, unknown>);
  return new CloudEvent<unknown>(obj, false);
};

// ── PostgreSQL ────────────────────────────────────────────────────────────

export const PROCESSED_EVENTS_TABLE = 'processed_events';

/** Append to a service's migrations: the table postgresDedupe records processed events in. */
export function processedEventsMigration(name = 'processed_events'): Migration {
  return {
    name,
    async up(knex, s) {
      await knex.schema.withSchema(s).createTable(PROCESSED_EVENTS_TABLE, (t) => {
        t.text('source').notNullable();
        t.text('id').notNullable();
        t.text('type').notNullable();
        t.jsonb('reply');
        t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.primary(['source', 'id']);
        t.index(['processed_at']);
      });
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists(PROCESSED_EVENTS_TABLE);
    },
  };
}

export interface PostgresExtra {
  /** The transaction the processed-event mark is written in: write the effect with it too. */
  trx: Knex.Transaction;
  /** The service's schema (with the test prefix). */
  schema: string;
}

/**
 * How long a processed-event mark is kept. Redeliveries come within minutes (retries) or
 * hours (a broker backlog after an outage), never weeks; a mark older than this only costs
 * index space. Marks are pruned by the consumers themselves, at most once an hour per
 * process and service: no separate job to deploy, and the delete is off every event's path.
 */
export const PROCESSED_EVENTS_RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
const lastPrune = new Map<string, number>();

function pruneNowAndThen(service: string): void {
  const now = Date.now();
  if (now - (lastPrune.get(service) ?? 0) < PRUNE_EVERY_MS) return;
  lastPrune.set(service, now);
  pruneProcessedEvents(service, PROCESSED_EVENTS_RETENTION_MS).catch(() => lastPrune.delete(service)); // try again next event
}

export function postgresDedupe(service: string): Dedupe<PostgresExtra> {
  return {
    async once(key, work) {
      const schema = schemaName(service);
      const table = `${schema}.${PROCESSED_EVENTS_TABLE}`;
      pruneNowAndThen(service);
      return db().transaction(async (trx) => {
        // A concurrent delivery of the same event blocks here until the first commits
        // (then sees the conflict) or rolls back (then goes ahead).
        const claimed = await trx(table).insert({ source: key.source, id: key.id, type: key.type }).onConflict(['source', 'id']).ignore().returning('id');
        if (claimed.length === 0) {
          const row = (await trx(table).where({ source: key.source, id: key.id }).first('reply')) as { reply: unknown } | undefined;
          return { duplicate: true, reply: revive(row?.reply) };
        }
        const reply = await work({ trx, schema });
        if (reply) await trx(table).where({ source: key.source, id: key.id }).update({ reply: reply.toString() });
        return { duplicate: false, reply };
      });
    },
  };
}

/** Deletes marks older than `olderThanMs` (run it periodically; redeliveries come within hours, not weeks). */
export async function pruneProcessedEvents(service: string, olderThanMs: number): Promise<number> {
  return db()(`${schemaName(service)}.${PROCESSED_EVENTS_TABLE}`)
    .where('processed_at', '<', new Date(Date.now() - olderThanMs))
    .delete();
}

// ── Redis ─────────────────────────────────────────────────────────────────

export interface RedisDedupeOptions {
  /** How long a processed event is remembered. */
  ttlSeconds?: number;
  /** How long a claim holds while the handler runs; after that a redelivery may run it again. */
  claimSeconds?: number;
}

const PENDING = 'pending';
const DONE = 'done';

export function redisDedupe(opts: RedisDedupeOptions = {}): Dedupe<Record<never, never>> {
  const ttl = opts.ttlSeconds ?? 7 * 86_400;
  const claim = opts.claimSeconds ?? 60;
  return {
    async once(key, work) {
      const k = rkey('processed', key.source, key.id);
      const claimed = await redis().set(k, PENDING, 'EX', claim, 'NX');
      if (claimed === null) {
        const v = await redis().get(k);
        // 409 is retried by the broker: by then the other delivery has finished (or failed).
        if (v === PENDING || v === null) throw new HttpProblem(409, 'this event is being processed by another delivery');
        return { duplicate: true, reply: v === DONE ? undefined : revive(v) };
      }
      let reply: ReplyEvent;
      try {
        reply = await work({});
      } catch (err) {
        await redis()
          .del(k)
          .catch(() => undefined);
        throw err;
      }
      await redis().set(k, reply ? reply.toString() : DONE, 'EX', ttl);
      return { duplicate: false, reply };
    },
  };
}

/** For handlers that are idempotent by construction (e.g. insert … on conflict do nothing). */
export function noDedupe(): Dedupe<Record<never, never>> {
  return {
    async once(_key, work) {
      return { duplicate: false, reply: await work({}) };
    },
  };
}
