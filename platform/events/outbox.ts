/**
 * Transactional outbox. A function that changes state writes its events into its own
 * schema's `outbox` table in the same transaction (enqueueEvent), so the change and its
 * events commit or vanish together. Right after the commit the same process publishes
 * them (outbox-publisher.ts) and deletes the rows; the relay (outbox-relay.ts) picks up
 * whatever that did not get through. Services append outboxMigration() and
 * outboxPublishOnCommitMigration() to their migrations.
 */
import type { Knex } from 'knex';
import type { EventType } from '../../contracts/events.js';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
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
export interface ChangeOptions<K extends string = never> {
  /**
   * Run the statement in this transaction (other work shares it, e.g. an event's dedupe
   * mark); the event is then published once it commits. Default: the statement alone.
   */
  trx?: Knex.Transaction;
  /** More writes that belong to the change, each an `insert … select … from changed`. */
  also?: readonly { sql: string; bindings: readonly Knex.RawBinding[] }[];
  /**
   * Event data fields that are ids held by the changed row (field → column), taken from it
   * by the statement itself, so the caller need not read the row first. The event is
   * checked before the write with a stand-in id there, and sent with the row's.
   */
  fromRow?: Readonly<Record<K, string>>;
  /**
   * What stands in for a `fromRow` field that is not an id (e.g. a jsonb column) while the
   * event is checked before the write; fields not named here stand in as an id.
   */
  standIn?: Readonly<Partial<Record<K, unknown>>>;
}

/** Stands in for an id the statement takes from the row when the event is checked up front. */
const STAND_IN_ID = '00000000-0000-4000-8000-000000000000';

/** An event input whose data lacks the fields K (filled from the changed row). */
export type PartialEventInput<T extends EventType, K extends string> = Omit<EventInput<T>, 'data'> & {
  data: Omit<EventInput<T>['data'], K>;
};

/**
 * A state change and its event in ONE statement, for the hot paths: `change` is an INSERT
 * or UPDATE of at most one row with `returning *`; the event's outbox row (and any `also`
 * writes) are written by the same statement, and only if the change returned a row. A
 * single statement is atomic on its own, so this is the transactional outbox without a
 * transaction: one round trip where BEGIN, change, insert, COMMIT took four, and without
 * knex's per-transaction setup (`npm run bench -- rides`, docs/performance.md: a knex transaction of two statements cost ~3× the client CPU of the same
 * work as one statement).
 *
 * The event is built and checked before the statement: choose ids in the caller, stamp
 * times in the event and the row from the same clock, and let `fromRow` take ids the row
 * holds (a ride's rider). `input` null: no event (the change alone, with its `also`
 * writes). Returns the changed row, or undefined when the change matched nothing (then
 * nothing else was written).
 */
export async function changeWithEvent<Row, T extends EventType, K extends string = never>(
  spec: Pick<FunctionSpec, 'name' | 'emits'> & { service: string },
  change: Knex.QueryBuilder,
  input: PartialEventInput<T, K> | null,
  opts: ChangeOptions<K> = {},
): Promise<Row | undefined> {
  const fromRow = Object.entries(opts.fromRow ?? {}) as [string, string][];
  const time = input?.time ?? new Date().toISOString();
  const full = (values: (column: string, field: string) => unknown): EventInput<T> =>
    ({ ...input, time, data: { ...input?.data, ...Object.fromEntries(fromRow.map(([field, column]) => [field, values(column, field)])) } }) as EventInput<T>;
  const standIn = (opts.standIn ?? {}) as Record<string, unknown>;
  const event = input ? buildEvent(spec, full((_column, field) => (field in standIn ? standIn[field] : STAND_IN_ID))) : undefined;
  const { sql, bindings } = change.toSQL();
  const ctes = [`changed as (${sql})`];
  const all: Knex.RawBinding[] = [...bindings];
  for (const [i, w] of (opts.also ?? []).entries()) {
    ctes.push(`also${i} as (${w.sql})`);
    all.push(...w.bindings);
  }
  if (event && input) {
    const known = Object.fromEntries(Object.entries(event.data as Record<string, unknown>).filter(([field]) => !fromRow.some(([f]) => f === field)));
    const taken = fromRow.map(() => `?::text, changed.??`).join(', ');
    const data = {
      sql: `?::jsonb${fromRow.length ? ` || jsonb_build_object(${taken})` : ''}`,
      bindings: [JSON.stringify(known), ...fromRow.flat()],
    };
    const queued = derivedEventCte(spec, { type: event.type, subject: input.subject, id: event.id, time }, data, 'changed');
    ctes.push(`queued as (${queued.sql})`);
    all.push(...queued.bindings);
  }
  const res = (await (opts.trx ?? db()).raw(`with ${ctes.join(',\n')}\nselect * from changed`, all)) as { rows: Row[] };
  const row = res.rows[0];
  if (row !== undefined && event) {
    // With ids from the row, the event sent is rebuilt with them (same id and time as the outbox row).
    const sent = fromRow.length ? buildEvent(spec, { ...full((column) => (row as Record<string, unknown>)[column]), id: event.id }) : event;
    if (opts.trx) publishOnCommit(opts.trx, spec.service, sent);
    else publishCommitted(spec.service, sent);
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
