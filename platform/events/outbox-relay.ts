/**
 * The outbox relay: the safety net behind publish-on-commit (outbox-publisher.ts). It
 * polls for rows that are older than the grace period — the committing process did not
 * get them to the broker (it was down, or the process died between commit and publish)
 * — publishes them to K_SINK and deletes them. A row that fails waits with exponential
 * backoff kept in the row (so a restart resumes where it stopped); when nothing gets
 * through, the whole relay backs off. A broker outage delays events; it never loses them.
 *
 * Delivery is at least once: a crash between publishing and deleting, or a publish on
 * commit slower than the grace period, re-publishes a row with the same event id, which
 * consumers dedupe. Several relays may share an outbox: rows are claimed FOR UPDATE SKIP
 * LOCKED.
 */
import { CloudEvent } from 'cloudevents';
import type { Knex } from 'knex';
import { db, schemaName } from '../clients.js';
import { config } from '../config.js';
import { logger, type Logger } from '../logger.js';
import { EmitError, sendEvent } from './emit.js';
import { backoffMs, DEFAULT_BACKOFF, logParked, OUTBOX_TABLE } from './outbox-row.js';

interface OutboxRow {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: Date;
  data: unknown;
  attempts: number;
}

export interface OutboxRelayOptions {
  /** Services whose outbox this relay drains (one schema each). */
  services: readonly string[];
  /** Where to publish; defaults to K_SINK. */
  sink?: string;
  batchSize?: number;
  /** Publishes in flight at once per service. */
  concurrency?: number;
  pollIntervalMs?: number;
  /** Rows younger than this are left to publish on commit (default OUTBOX_GRACE_MS). */
  graceMs?: number;
  /** Backoff of a failing row: base·2^(attempts-1), capped, ±20 % jitter. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  log?: Logger;
}

export interface OutboxRelay {
  /** Asks the relay to look for due rows now (all services, or one). */
  nudge(service?: string): void;
  /** Publishes everything due now; resolves when a pass found nothing more to do. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

type Settings = Required<Omit<OutboxRelayOptions, 'services' | 'sink' | 'log'>> & { sink: string | undefined };

class ServiceWorker {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private failing = false;
  private sinkDownUntil = 0;
  private sinkFailures = 0;
  private readonly table: string;

  constructor(
    private readonly service: string,
    private readonly opts: Settings,
    private readonly log: Logger,
  ) {
    this.table = `${schemaName(service)}.${OUTBOX_TABLE}`;
  }

  nudge(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  async flush(): Promise<void> {
    // Wait out a pass in progress, then run one that sees everything committed so far.
    while (this.running) await this.running;
    this.nudge();
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        for (;;) {
          if (Date.now() < this.sinkDownUntil) break;
          const r = await this.pass();
          if (r.failed > 0 && r.sent === 0) {
            // Nothing got through: the sink (broker) is down. Back off as a whole instead
            // of trying every due row against it.
            this.sinkFailures++;
            this.sinkDownUntil = Date.now() + this.backoff(this.sinkFailures);
            break;
          }
          this.sinkFailures = 0;
          if (r.locked < this.opts.batchSize || r.failed > 0 || this.closed) break;
        }
        if (this.failing) this.log.info({ service: this.service }, 'outbox relay recovered');
        this.failing = false;
      } catch (err) {
        // PostgreSQL down, or the service has not migrated its outbox yet (42P01): keep
        // polling; rows are safe in the table. Warn once per outage, not once per poll.
        const missing = (err as { code?: string }).code === '42P01';
        if (!this.failing && !missing) this.log.warn({ err: (err as Error).message, service: this.service }, 'outbox relay pass failed');
        this.failing = !missing;
      }
    } while (this.again && !this.closed);
    if (this.closed) return;
    const down = this.sinkDownUntil - Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nudge();
    }, Math.max(10, down > 0 ? down : this.opts.pollIntervalMs));
    this.timer.unref();
  }

  /** Rows whose turn has come: due, and older than the grace period publish on commit has. */
  private due(k: Knex, q: Knex.QueryBuilder): Knex.QueryBuilder {
    return q.where('next_attempt_at', '<=', k.fn.now()).andWhere('created_at', '<=', k.raw(`now() - (? * interval '1 millisecond')`, [this.opts.graceMs]));
  }

  private async anyDue(): Promise<boolean> {
    const k = db();
    return (await this.due(k, k(this.table)).first(k.raw('1 as due'))) !== undefined;
  }

  /**
   * One batch: lock due rows past the grace period (other relays skip them), publish,
   * delete the sent ones. The first retryable failure stops the batch (the rest stay due,
   * unattempted); a row the broker rejects outright (non-retryable, e.g. 400) is parked
   * with its error (next_attempt_at = infinity) for someone to look at.
   */
  private async pass(): Promise<{ locked: number; sent: number; failed: number }> {
    // Almost every poll finds nothing (publish on commit sent it all): ask with one plain
    // statement first. BEGIN, a locking SELECT and COMMIT are three round trips and a new
    // knex transactor per poll, per service, in every pod. A row that turns due just after
    // the look waits for the next poll, as it would have anyway.
    if (!(await this.anyDue())) return { locked: 0, sent: 0, failed: 0 };
    return db().transaction(async (trx) => {
      const rows = (await this.due(trx, trx(this.table))
        .select('id', 'source', 'type', 'subject', 'time', 'data', 'attempts')
        .orderBy('created_at')
        .limit(this.opts.batchSize)
        .forUpdate()
        .skipLocked()) as OutboxRow[];
      if (rows.length === 0) return { locked: 0, sent: 0, failed: 0 };
      const sent: string[] = [];
      const failed: { id: string; type: string; attempts: number; error: string; park: boolean }[] = [];
      let next = 0;
      let stop = false;
      const worker = async () => {
        while (!stop && next < rows.length) {
          const row = rows[next++]!;
          try {
            await sendEvent(toEvent(row), { ...(this.opts.sink ? { sink: this.opts.sink } : {}), timeoutMs: this.opts.timeoutMs });
            sent.push(row.id);
          } catch (err) {
            const retryable = !(err instanceof EmitError) || err.retryable;
            failed.push({ id: row.id, type: row.type, attempts: row.attempts + 1, error: (err as Error).message.slice(0, 1000), park: !retryable });
            if (retryable) stop = true;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, rows.length) }, worker));
      if (sent.length) await trx(this.table).whereIn('id', sent).delete();
      for (const f of failed) {
        const next_attempt_at = f.park ? trx.raw(`'infinity'::timestamptz`) : trx.raw(`now() + (? * interval '1 millisecond')`, [this.backoff(f.attempts)]);
        await trx(this.table).where({ id: f.id }).update({ attempts: f.attempts, last_error: f.error, next_attempt_at });
      }
      const parked = failed.filter((f) => f.park);
      for (const f of parked) logParked(this.log, this.service, f);
      if (failed.length > parked.length && this.sinkFailures === 0) {
        this.log.warn({ service: this.service, sent: sent.length, error: failed.find((f) => !f.park)!.error }, 'outbox: publishing failed; backing off');
      }
      return { locked: rows.length, sent: sent.length, failed: failed.length - parked.length };
    });
  }

  private backoff(attempts: number): number {
    return backoffMs(attempts, this.opts.baseBackoffMs, this.opts.maxBackoffMs);
  }
}

function toEvent(row: OutboxRow): CloudEvent<unknown> {
  return new CloudEvent<unknown>(
    {
      id: row.id,
      source: row.source,
      type: row.type,
      subject: row.subject,
      time: new Date(row.time).toISOString(),
      datacontenttype: 'application/json',
      data: row.data,
    },
    false,
  );
}

export async function startOutboxRelay(opts: OutboxRelayOptions): Promise<OutboxRelay> {
  const log = (opts.log ?? logger()).child({ component: 'outbox-relay' });
  const settings: Settings = {
    sink: opts.sink,
    batchSize: opts.batchSize ?? 100,
    concurrency: opts.concurrency ?? 16,
    pollIntervalMs: opts.pollIntervalMs ?? 1_000,
    graceMs: opts.graceMs ?? config().OUTBOX_GRACE_MS,
    baseBackoffMs: opts.baseBackoffMs ?? DEFAULT_BACKOFF.baseMs,
    maxBackoffMs: opts.maxBackoffMs ?? DEFAULT_BACKOFF.maxMs,
    timeoutMs: opts.timeoutMs ?? 10_000,
  };
  const workers = new Map(opts.services.map((s) => [s, new ServiceWorker(s, settings, log)]));
  const nudge = (service?: string) => {
    if (service === undefined) for (const w of workers.values()) w.nudge();
    else workers.get(service)?.nudge();
  };
  nudge(); // rows left unsent by a previous run
  return {
    nudge,
    async flush() {
      await Promise.all([...workers.values()].map((w) => w.flush()));
    },
    async close() {
      await Promise.all([...workers.values()].map((w) => w.close()));
    },
  };
}
