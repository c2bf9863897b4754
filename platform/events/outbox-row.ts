/**
 * What the publisher and the relay agree on about an outbox row: the table, and when a
 * row that failed to publish is due again (next_attempt_at).
 */
export const OUTBOX_TABLE = 'outbox';

export const DEFAULT_BACKOFF = { baseMs: 200, maxMs: 30_000 } as const;

/** base·2^(attempts-1), capped, ±20 % jitter so rows that failed together do not retry together. */
export function backoffMs(attempts: number, baseMs: number = DEFAULT_BACKOFF.baseMs, maxMs: number = DEFAULT_BACKOFF.maxMs): number {
  const base = Math.min(maxMs, baseMs * 2 ** (attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The `alert` field of the one `level: error` line logged per parked row (a row the broker
 * rejected outright: next_attempt_at = infinity, nobody retries it). Functions have no
 * metrics endpoint, so the count of these lines is the metric: alert on any.
 */
export const OUTBOX_PARKED_ALERT = 'outbox_parked';

/** Logs one parked row: one line per row, so counting lines counts rows. */
export function logParked(log: { error(obj: object, msg: string): void }, service: string, row: { id: string; type: string; error: string }): void {
  log.error({ alert: OUTBOX_PARKED_ALERT, service, id: row.id, type: row.type, error: row.error }, 'outbox: the broker rejected the event; parked (next_attempt_at = infinity), needs a person');
}
