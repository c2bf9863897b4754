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
