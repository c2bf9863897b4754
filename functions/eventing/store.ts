/** eventing's PostgreSQL queries (schema `eventing`). */
import { db, schemaName } from '../../platform/clients.js';

/** A row of eventing.dead_letters as the sink writes it (received_at is the database's). */
export interface DeadLetterRow {
  source: string;
  id: string;
  type: string;
  subject: string | null;
  error_dest: string;
  error_code: number | null;
  error_data: string | null;
  error_text: string | null;
  /** The whole event, structured JSON text. */
  event: string;
}

/** Stores a dead letter once per (source, id, error_dest): a redelivered dead letter is a no-op. */
export async function insertDeadLetter(row: DeadLetterRow): Promise<void> {
  await db()(`${schemaName('eventing')}.dead_letters`).insert(row).onConflict(['source', 'id', 'error_dest']).ignore();
}

const deadLetters = () => db()(`${schemaName('eventing')}.dead_letters`);

/** A dead letter as stored, with the columns the operations added (migration 002). */
export interface StoredDeadLetter extends Omit<DeadLetterRow, 'event'> {
  row_id: string;
  event: Record<string, unknown>;
  received_at: Date;
  replays: number;
  replayed_at: Date | null;
}

/** One page of dead letters, newest first, and how many match in all. */
export async function listDeadLetters(f: { type?: string | undefined; replayed?: boolean | undefined; limit: number; offset: number }): Promise<{ rows: StoredDeadLetter[]; total: number }> {
  const q = deadLetters();
  if (f.type) q.where({ type: f.type });
  if (f.replayed === true) q.whereNotNull('replayed_at');
  if (f.replayed === false) q.whereNull('replayed_at');
  const [rows, count] = await Promise.all([
    q.clone().orderBy([{ column: 'received_at', order: 'desc' }, { column: 'row_id', order: 'desc' }]).limit(f.limit).offset(f.offset) as Promise<StoredDeadLetter[]>,
    q.clone().count<{ n: string }[]>({ n: '*' }),
  ]);
  return { rows, total: Number(count[0]?.n ?? 0) };
}

export async function deadLettersByIds(ids: readonly string[]): Promise<StoredDeadLetter[]> {
  return (await deadLetters().whereIn('row_id', ids)) as StoredDeadLetter[];
}

/** Counts a replay of the dead letter; returns it as it now is. */
export async function markReplayed(rowId: string): Promise<StoredDeadLetter | undefined> {
  const [row] = (await deadLetters()
    .where({ row_id: rowId })
    .update({ replays: db().raw('replays + 1'), replayed_at: db().fn.now() })
    .returning('*')) as StoredDeadLetter[];
  return row;
}

/** Deletes the dead letter; whether there was one. */
export async function deleteDeadLetter(rowId: string): Promise<boolean> {
  return (await deadLetters().where({ row_id: rowId }).delete()) > 0;
}
