/**
 * The always-on outbox relay: one small process that relays the outbox of every
 * PostgreSQL service, whether or not any pod of that service is running.
 *
 * Why: every function pod also runs a relay for its own service (platform/main.ts), but a
 * service scaled to zero has none, so a row whose publish on commit failed would wait for
 * the next pod of that service — for as long as no traffic comes. This process does not
 * depend on traffic: it polls every service's outbox (one plain `SELECT … LIMIT 1` per
 * service per second while idle, outbox-relay.ts) and publishes to K_SINK. Rows are
 * claimed FOR UPDATE SKIP LOCKED, so it shares the outboxes with the function pods'
 * relays without sending a row twice.
 *
 * Why not the PingSource tick: a tick wakes a relay once a period and the run must finish
 * within the delivery's timeout; a relay that backs off per row (up to 30 s) and resumes a
 * batch is a loop, not a request. Why not the notifier: it carries no PostgreSQL client
 * and its websocket pods should not stall on a database.
 *
 * Serves /health/liveness and /health/readiness (PostgreSQL) on PORT, and /metrics
 * (Prometheus text): `microride_outbox_parked_rows{service}` (rows nobody will retry, parked
 * by a pod or by a relay) and `microride_dead_letters_total` (rows of eventing.dead_letters),
 * read from the tables at each scrape, so they count what every process parked, not only
 * this one. Alert on either rising above zero.
 */
import { db, schemaName } from './clients.js';
import { config, exitOnConfigError } from './config.js';
import { OUTBOX_TABLE } from './events/outbox-row.js';
import { readiness } from './health.js';
import { logger } from './logger.js';
import { listen, onShutdown } from './serve.js';
import { startOutboxRelay } from './events/outbox-relay.js';
import { OUTBOX_SERVICES } from '../contracts/outbox.js';

export interface AlwaysOnRelay {
  url: string;
  close(): Promise<void>;
}

/** A table's row count (matching `where`), or undefined when the table does not exist yet (42P01). */
async function countOf(table: string, where?: string): Promise<number | undefined> {
  try {
    const r = (await db().raw(`select count(*)::int as n from ${table}${where ? ` where ${where}` : ''}`)) as { rows: { n: number }[] };
    return r.rows[0]!.n;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return undefined;
    throw err;
  }
}

/** The Prometheus text of /metrics. */
export async function relayMetrics(services: readonly string[]): Promise<string> {
  const lines = ['# HELP microride_outbox_parked_rows Outbox rows the broker rejected outright; nobody retries them.', '# TYPE microride_outbox_parked_rows gauge'];
  for (const s of services) {
    const n = await countOf(`"${schemaName(s)}"."${OUTBOX_TABLE}"`, `next_attempt_at = 'infinity'`);
    if (n !== undefined) lines.push(`microride_outbox_parked_rows{service="${s}"} ${n}`);
  }
  const dead = await countOf(`"${schemaName('eventing')}"."dead_letters"`);
  if (dead !== undefined) lines.push('# HELP microride_dead_letters_total Events the broker gave up on (eventing.dead_letters).', '# TYPE microride_dead_letters_total counter', `microride_dead_letters_total ${dead}`);
  return `${lines.join('\n')}\n`;
}

/** Starts the relay over `services` and its health endpoint on `port` (0: any). */
export async function startAlwaysOnRelay(opts: { services: readonly string[]; sink: string; port: number; pollIntervalMs?: number }): Promise<AlwaysOnRelay> {
  const log = logger().child({ fn: 'outbox-relay' });
  const relay = await startOutboxRelay({ services: opts.services, sink: opts.sink, log, ...(opts.pollIntervalMs ? { pollIntervalMs: opts.pollIntervalMs } : {}) });
  const served = await listen(async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === 'GET' && path === '/health/liveness') return Response.json({ status: 'ok', function: 'outbox-relay' });
    if (req.method === 'GET' && path === '/health/readiness') {
      const r = await readiness(['postgres']);
      return Response.json({ status: r.ready ? 'ready' : 'not ready', function: 'outbox-relay', checks: r.checks }, { status: r.ready ? 200 : 503 });
    }
    if (req.method === 'GET' && path === '/metrics') {
      return new Response(await relayMetrics(opts.services), { headers: { 'content-type': 'text/plain; version=0.0.4' } });
    }
    return Response.json({ type: 'about:blank', title: 'Not Found', status: 404 }, { status: 404 });
  }, opts.port);
  log.info({ services: opts.services, port: served.port }, 'outbox relay listening');
  return {
    url: served.url,
    async close() {
      await served.close();
      await relay.close();
    },
  };
}

/** Process entry: relays every service with an outbox (contracts/outbox.ts) to K_SINK, which it requires. */
export async function runOutboxRelay(services: readonly string[] = OUTBOX_SERVICES): Promise<void> {
  let sink: string | undefined;
  try {
    sink = config().K_SINK;
  } catch (err) {
    exitOnConfigError(err);
  }
  if (!sink) {
    process.stderr.write('configuration error: K_SINK: required (the Broker URL the outbox relay publishes to)\n');
    process.exit(78); // EX_CONFIG, as exitOnConfigError
  }
  const relay = await startAlwaysOnRelay({ services, sink, port: config().PORT });
  onShutdown('outbox-relay', () => relay.close());
}
