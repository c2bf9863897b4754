/**
 * Transactional outbox. A function that changes state writes its events into its own
 * schema's `outbox` table in the same transaction (enqueueEvent), so the change and its
 * events commit or vanish together. Right after the commit the same process publishes
 * them (outbox-publisher.ts) and deletes the rows; the relay (outbox-relay.ts) picks up
 * whatever that did not get through. Services append outboxMigration() and
 * outboxPublishOnCommitMigration() to their migrations.
 */
import type { Knex } from 'knex';
import type { EventType } from '../../../eventing/catalog.js';
import type { FunctionSpec } from '../../catalog-types.js';
import { db, schemaName } from '../clients.js';
import type { Migration } from '../migrate.js';
import { buildEvent, sourceOf, type EventInput, type MicroRideEvent } from './emit.js';
import { OUTBOX_TABLE } from './outbox-row.js';
import { publishCommitted } from './outbox-publisher.js';

export { OUTBOX_TABLE } from './outbox-row.js';
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { settlePublishes } from './outbox-publisher.js';

/** The NOTIFY channel of the first outbox version (dropped by outboxPublishOnCommitMigration). */
const LEGACY_CHANNEL = 'microride_outbox';

/**
 * The first outbox version woke its relay with a NOTIFY per committing statement (coalesced
 * per transaction). Created by outboxMigration, dropped by outboxPublishOnCommitMigration
 * (and restored by its down).
 */
async function createLegacyNotify(knex: Knex, s: string): Promise<void> {
  await knex.raw(
    `create function ??.outbox_notify() returns trigger language plpgsql as $$
     begin perform pg_notify('${LEGACY_CHANNEL}', tg_table_schema); return null; end $$`,
    [s],
  );
  await knex.raw(`create trigger outbox_notify after insert on ??.?? for each statement execute function ??.outbox_notify()`, [s, OUTBOX_TABLE, s]);
}

/** Append to a service's migrations list (functions/<service>/migrations.ts). */
export function outboxMigration(name = 'outbox'): Migration {
  return {
    name,
    async up(knex, s) {
      await knex.schema.withSchema(s).createTable(OUTBOX_TABLE, (t) => {
        t.uuid('id').primary(); // the CloudEvent id
        t.text('source').notNullable();
        t.text('type').notNullable();
        t.text('subject').notNullable();
        t.timestamp('time', { useTz: true }).notNullable();
        t.jsonb('data').notNullable();
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.integer('attempts').notNullable().defaultTo(0);
        t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.text('last_error');
        t.timestamp('sent_at', { useTz: true });
      });
      // The relay only ever looks at unsent rows.
      await knex.raw(`create index outbox_due on ??.?? (next_attempt_at) where sent_at is null`, [s, OUTBOX_TABLE]);
      await knex.raw(`create index outbox_sent on ??.?? (sent_at) where sent_at is not null`, [s, OUTBOX_TABLE]);
      await createLegacyNotify(knex, s);
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).dropTableIfExists(OUTBOX_TABLE);
      await knex.raw('drop function if exists ??.outbox_notify()', [s]);
    },
  };
}

/**
 * Second version of the outbox: events are published by the process that commits them, so
 * the NOTIFY that woke a relay goes, and a sent row is deleted rather than kept with a
 * `sent_at` (at hundreds of events a second, a day of sent rows is tens of millions of
 * rows nobody reads). The relay only looks at rows due for a retry, by next_attempt_at.
 */
export function outboxPublishOnCommitMigration(name = 'outbox_publish_on_commit'): Migration {
  return {
    name,
    async up(knex, s) {
      await knex.raw('drop trigger if exists outbox_notify on ??.??', [s, OUTBOX_TABLE]);
      await knex.raw('drop function if exists ??.outbox_notify()', [s]);
      await knex(`${s}.${OUTBOX_TABLE}`).whereNotNull('sent_at').delete();
      await knex.raw('drop index if exists ??.outbox_sent', [s]);
      await knex.raw('drop index if exists ??.outbox_due', [s]);
      await knex.schema.withSchema(s).alterTable(OUTBOX_TABLE, (t) => t.dropColumn('sent_at'));
      await knex.raw('create index outbox_due on ??.?? (next_attempt_at)', [s, OUTBOX_TABLE]);
    },
    async down(knex, s) {
      await knex.schema.withSchema(s).alterTable(OUTBOX_TABLE, (t) => t.timestamp('sent_at', { useTz: true }));
      await knex.raw('drop index if exists ??.outbox_due', [s]);
      await knex.raw(`create index outbox_due on ??.?? (next_attempt_at) where sent_at is null`, [s, OUTBOX_TABLE]);
      await knex.raw(`create index outbox_sent on ??.?? (sent_at) where sent_at is not null`, [s, OUTBOX_TABLE]);
      await createLegacyNotify(knex, s);
    },
  };
}

/**
 * Writes an event into the function's outbox within `trx`. Validates like emitEvent
 * (catalog schema, the function's `emits`); returns the event that will be sent.
 */
export async function enqueueEvent<T extends EventType>(
  trx: Knex.Transaction,
  spec: Pick<FunctionSpec, 'name' | 'emits'> & { service: string },
  input: EventInput<T>,
): Promise<MicroRideEvent<T>> {
  const event = buildEvent(spec, input);
  await trx(`${schemaName(spec.service)}.${OUTBOX_TABLE}`).insert({
    id: event.id,
    source: event.source,
    type: event.type,
    subject: event.subject,
    time: event.time,
    data: JSON.stringify(event.data),
  });
  publishOnCommit(trx, spec.service, event);
  return event;
}

/** Publishes `event` once `trx` has committed; a rollback sends nothing. */
function publishOnCommit(trx: Knex.Transaction, service: string, event: MicroRideEvent<EventType>): void {
  trx.executionPromise.then(() => publishCommitted(service, event)).catch(() => undefined);
}

/** Options of changeWithEvent. */
export interface ChangeOptions {
  /**
   * Run the statement in this transaction (other work shares it, e.g. an event's dedupe
   * mark); the event is then published once it commits. Default: the statement alone.
   */
  trx?: Knex.Transaction;
  /** More writes that belong to the change, each an `insert … select … from changed`. */
  also?: readonly { sql: string; bindings: readonly Knex.RawBinding[] }[];
}

/**
 * A state change and its event in ONE statement, for the hot paths: `change` is an INSERT
 * or UPDATE of at most one row with `returning *`; the event's outbox row (and any `also`
 * writes) are written by the same statement, and only if the change returned a row. A
 * single statement is atomic on its own, so this is the transactional outbox without a
 * transaction: one round trip where BEGIN, change, insert, COMMIT took four, and without
 * knex's per-transaction setup (`npm run bench -- rides`, functions/rides/README.md
 * "Performance": a knex transaction of two statements cost ~3× the client CPU of the same
 * work as one statement).
 *
 * The event must be known before the statement, so read what it needs first (a ride's
 * rider never changes, for example), choose ids in the caller, and stamp times in the
 * event and the row from the same clock. `input` null: no event (the change alone, with
 * its `also` writes). Returns the changed row, or undefined when the change matched
 * nothing (then nothing else was written).
 */
export async function changeWithEvent<Row, T extends EventType>(
  spec: Pick<FunctionSpec, 'name' | 'emits'> & { service: string },
  change: Knex.QueryBuilder,
  input: EventInput<T> | null,
  opts: ChangeOptions = {},
): Promise<Row | undefined> {
  const queued = input ? { input, time: input.time ?? new Date().toISOString() } : undefined;
  const event = queued ? buildEvent(spec, { ...queued.input, time: queued.time }) : undefined;
  const { sql, bindings } = change.toSQL();
  const ctes = [`changed as (${sql})`];
  const all: Knex.RawBinding[] = [...bindings];
  for (const [i, w] of (opts.also ?? []).entries()) {
    ctes.push(`also${i} as (${w.sql})`);
    all.push(...w.bindings);
  }
  if (event && queued) {
    ctes.push(`queued as (insert into ??.?? (id, source, type, subject, time, data) select ?, ?, ?, ?, ?, ? from changed)`);
    all.push(schemaName(spec.service), OUTBOX_TABLE, event.id, event.source, event.type, queued.input.subject, queued.time, JSON.stringify(event.data));
  }
  const res = (await (opts.trx ?? db()).raw(`with ${ctes.join(',\n')}\nselect * from changed`, all)) as { rows: Row[] };
  const row = res.rows[0];
  if (row !== undefined && event) {
    if (opts.trx) publishOnCommit(opts.trx, spec.service, event);
    else publishCommitted(spec.service, event);
  }
  return row;
}

/**
 * For an event whose data only the statement can complete (which rows it touched): the
 * outbox insert as a CTE of the caller's statement, with `dataSql` a jsonb expression over
 * `fromSql` (the statement's other CTEs); no row from `fromSql`, no event. Check the event
 * with buildEvent before the statement, the statement-made values stood in for, and
 * publish it after with publishDerived, rebuilt from what the statement returned: id and
 * time are fixed here, so both are the event the outbox row holds.
 */
export function derivedEventCte<T extends EventType>(
  spec: Pick<FunctionSpec, 'name'> & { service: string },
  head: { type: T; subject: string; id: string; time: string },
  dataSql: { sql: string; bindings: readonly Knex.RawBinding[] },
  fromSql: string,
): { sql: string; bindings: Knex.RawBinding[] } {
  return {
    sql: `insert into ??.?? (id, source, type, subject, time, data) select ?, ?, ?, ?, ?, ${dataSql.sql} from ${fromSql}`,
    bindings: [schemaName(spec.service), OUTBOX_TABLE, head.id, sourceOf(spec), head.type, head.subject, head.time, ...dataSql.bindings],
  };
}

/** Publishes an event whose outbox row a statement (derivedEventCte) has committed. */
export function publishDerived<T extends EventType>(
  spec: Pick<FunctionSpec, 'name' | 'emits'> & { service: string },
  input: EventInput<T> & { id: string; time: string },
): MicroRideEvent<T> {
  const event = buildEvent(spec, input);
  publishCommitted(spec.service, event);
  return event;
}
