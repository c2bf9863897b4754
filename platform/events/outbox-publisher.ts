/**
 * Publish-on-commit: the process that committed an outbox row sends the event to K_SINK
 * itself, right after the commit, and deletes the row once the broker has it. The relay
 * (outbox-relay.ts) only picks up rows this path did not get through: the broker was
 * down, the process died between commit and publish, or K_SINK is not set here.
 *
 * Why not leave everything to a relay: a relay is one pipeline per service, so under load
 * every event waits behind the batch in front of it (measured: seconds at 30 rides/s),
 * and each pass costs five queries. Here an event costs one HTTP request and a share of
 * one batched DELETE (OUTBOX_DELETE_DELAY_MS), and nothing waits on anything but its own
 * publish.
 */
import type { CloudEvent } from 'cloudevents';
import { config } from '../config.js';
import { db, schemaName } from '../clients.js';
import { logger } from '../logger.js';
import { EmitError, sendEvent } from './emit.js';
import { backoffMs, logParked, OUTBOX_TABLE } from './outbox-row.js';

const inFlight = new Set<Promise<void>>();

/** Ids per DELETE at most (one array parameter; a bound on the statement's size). */
const MAX_DELETE_BATCH = 1_000;

/** Per service: ids published and waiting for the DELETE that is coalescing them. */
class SentRows {
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly service: string) {}

  add(id: string): Promise<void> {
    this.pending.push(id);
    // While one DELETE runs, the ids of every publish finishing meanwhile gather for the
    // next: one statement per round trip however many events are in flight.
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const { OUTBOX_DELETE_DELAY_MS, OUTBOX_GRACE_MS } = config();
    const delay = Math.min(OUTBOX_DELETE_DELAY_MS, OUTBOX_GRACE_MS / 2);
    while (this.pending.length > 0) {
      // Let the publishes of the next moment join this DELETE: under load that turns one
      // statement per ~3 events into one per tens (the rows are invisible to the relay for
      // OUTBOX_GRACE_MS anyway).
      if (delay > 0 && this.pending.length < MAX_DELETE_BATCH) await new Promise((r) => setTimeout(r, delay));
      const ids = this.pending.splice(0, MAX_DELETE_BATCH);
      await db().raw('delete from ??.?? where id = any(?::uuid[])', [schemaName(this.service), OUTBOX_TABLE, ids]);
    }
  }
}

const sentRows = new Map<string, SentRows>();

function sentRowsOf(service: string): SentRows {
  let s = sentRows.get(service);
  if (!s) sentRows.set(service, (s = new SentRows(service)));
  return s;
}

async function publish(service: string, event: CloudEvent<unknown>): Promise<void> {
  const sink = config().K_SINK;
  if (!sink) return; // nowhere to send from here: the relay of a process that has a sink will
  try {
    await sendEvent(event, { sink, timeoutMs: config().OUTBOX_PUBLISH_TIMEOUT_MS });
  } catch (err) {
    // Record the failure on the row so the relay backs off from here instead of retrying at once.
    const retryable = !(err instanceof EmitError) || err.retryable;
    const error = (err as Error).message.slice(0, 1000);
    // A rejected event is parked: no relay retries it, so it is an alert, not a warning.
    if (retryable) logger().warn({ service, id: event.id, type: event.type, err: error }, 'publish on commit failed; the outbox relay will retry');
    else logParked(logger(), service, { id: event.id, type: event.type, error });
    await db()(`${schemaName(service)}.${OUTBOX_TABLE}`)
      .where({ id: event.id })
      .update({
        attempts: 1,
        last_error: error,
        next_attempt_at: retryable ? db().raw(`now() + (? * interval '1 millisecond')`, [backoffMs(1)]) : db().raw(`'infinity'::timestamptz`),
      });
    return;
  }
  await sentRowsOf(service).add(event.id);
}

/** Called by enqueueEvent once the transaction that wrote the row has committed. */
export function publishCommitted(service: string, event: CloudEvent<unknown>): void {
  const p: Promise<void> = publish(service, event)
    .catch((err: unknown) => {
      // PostgreSQL gone while recording the outcome: the row is still there, the relay has it.
      logger().warn({ service, id: event.id, err: (err as Error).message }, 'outbox bookkeeping after publish failed');
    })
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** Resolves when every publish started so far has finished (shutdown, tests). */
export async function settlePublishes(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}
