/**
 * Parked outbox rows of every service (schema <service>.outbox): rows the Broker refused
 * outright, which the relays leave with next_attempt_at = 'infinity' (outbox-relay.ts).
 * The operations read them across the services' schemas, as the always-on relay's
 * /metrics does.
 */
import { db, schemaName } from '../../platform/clients.js';
import { OUTBOX_TABLE } from '../../platform/events/outbox-row.js';
import type { OutboxService } from './schemas.js';

export interface ParkedOutboxRow {
  service: OutboxService;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: Date;
  data: unknown;
  created_at: Date;
  attempts: number;
  last_error: string | null;
}

const PARKED = `next_attempt_at = 'infinity'`;
const table = (s: OutboxService) => `${schemaName(s)}.${OUTBOX_TABLE}`;
const columns = (s: OutboxService) => db().raw(`?::text as service, id, source, type, subject, time, data, created_at, attempts, last_error`, [s]);

/** One page of the parked rows of `services`, oldest first, and how many there are in all. */
export async function listParked(services: readonly OutboxService[], limit: number, offset: number): Promise<{ rows: ParkedOutboxRow[]; total: number }> {
  const selects = services.map((s) => db()(table(s)).select(columns(s)).whereRaw(PARKED));
  const [first, ...more] = selects;
  if (!first) return { rows: [], total: 0 };
  const all = more.length ? first.unionAll(more, true) : first;
  const rows = (await db().select('*').from(all.as('parked')).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(limit).offset(offset)) as ParkedOutboxRow[];
  const counts = await Promise.all(services.map(async (s) => Number(((await db()(table(s)).whereRaw(PARKED).count<{ n: string }[]>({ n: '*' }))[0]?.n) ?? 0)));
  return { rows, total: counts.reduce((a, b) => a + b, 0) };
}

/**
 * Makes a parked row due now with a fresh backoff: the next relay pass publishes it (and
 * parks it again if the Broker still refuses it). 'parked' when it was, 'not_parked' when
 * the row exists but is not parked (in flight or backing off), 'missing' when there is none.
 */
export async function unparkRow(service: OutboxService, id: string): Promise<{ outcome: 'unparked'; row: ParkedOutboxRow } | { outcome: 'not_parked' | 'missing' }> {
  const [row] = (await db()(table(service))
    .where({ id })
    .whereRaw(PARKED)
    .update({ next_attempt_at: db().fn.now(), attempts: 0 })
    .returning(['id', 'source', 'type', 'subject', 'time', 'data', 'created_at', 'attempts', 'last_error'])) as Omit<ParkedOutboxRow, 'service'>[];
  if (row) return { outcome: 'unparked', row: { ...row, service } };
  const exists = await db()(table(service)).where({ id }).first(db().raw('1 as found'));
  return { outcome: exists ? 'not_parked' : 'missing' };
}
