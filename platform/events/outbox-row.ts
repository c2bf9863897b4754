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
