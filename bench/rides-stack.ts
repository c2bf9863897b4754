/**
 * Child process of bench/rides.bench.ts: the clustered platform npm start runs (gateway
 * workers, broker, outbox relay, ticker and the notifier, which is how ride events reach
 * the riders' and drivers' apps). Prints its URLs; SIGTERM stops it and removes its
 * schemas, keys and queues.
 */
import { availableParallelism } from 'node:os';
import { startClusteredPlatform } from '../local/cluster.js';
import { cleanupStores as cleanup } from '../local/run-cleanup.js';
import { closeClients } from '../platform/clients.js';
import { onSignals } from '../platform/shutdown.js';

const workers = Number(process.env.LOCAL_WORKERS ?? availableParallelism());
const stack = await startClusteredPlatform({
  port: 0,
  workers,
  notifier: { port: 0 },
  eventing: { tickScale: Number(process.env.BENCH_TICK_SCALE ?? 1) },
});
process.stderr.write(`  platform: ${workers} gateway workers + the broker process\n`);
process.stdout.write(`rides stack up: ${stack.url} ${stack.notifier!.wsUrl}\n`);

// BENCH_STATS=1: every 2 s, event-loop delay and PostgreSQL pool pressure on stderr, to see
// which resource a latency figure is queueing for.
if (process.env.BENCH_STATS) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { db } = await import('../platform/clients.js');
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let cpu = process.cpuUsage();
  let queries = 0;
  const bySql = new Map<string, number>();
  db().on('query', (q: { sql: string }) => {
    queries++;
    if (process.env.BENCH_STATS === 'sql') bySql.set(q.sql.slice(0, 90), (bySql.get(q.sql.slice(0, 90)) ?? 0) + 1);
  });
  process.on('SIGTERM', () => {
    if (bySql.size) process.stderr.write([...bySql].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `  ${v}\t${k}`).join('\n') + '\n');
  });
  setInterval(() => {
    const pool = db().client.pool as { numUsed(): number; numPendingAcquires(): number };
    const c = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    process.stderr.write(
      `  [stack] cpu ${(((c.user + c.system) / 2e6) * 100).toFixed(0)}% loop p50/p99/max ${(h.percentile(50) / 1e6).toFixed(1)}/${(h.percentile(99) / 1e6).toFixed(1)}/${(h.max / 1e6).toFixed(0)} ms, pg used ${pool.numUsed()} waiting ${pool.numPendingAcquires()}, ${(queries / 2).toFixed(0)} queries/s\n`,
    );
    h.reset();
    queries = 0;
  }, 2_000).unref();
}

onSignals({
  // Exits 0 even when cleaning up failed: the benchmark stops it at its end and does not
  // read its exit code.
  stop: () =>
    stack
      .close()
      .then(() => stack.eventing?.broker.deleteTopology())
      .then(cleanup)
      .then(closeClients)
      .catch(() => undefined),
});
