/**
 * The one-machine platform on every core: `npm start` (and the benchmarks) run the
 * gateway with all functions in LOCAL_WORKERS worker processes sharing its public port (and
 * its loopback-only internal one, where events are delivered), the way
 * the cluster runs several pods behind a Service, while this (primary) process runs what
 * there is one of: migrations, the broker with its Triggers, the outbox relay, the ticker
 * and the notifier. One event loop was the ceiling before: under the rides benchmark the
 * single process sat at 100 % of one core with the second core a third idle.
 *
 * Workers inherit the environment the primary has set up (JWT keys, quote secret, K_SINK
 * at the broker ingress, the URLs of functions called directly) and talk to the primary only over
 * HTTP, as functions do in the cluster. Tests keep using startPlatform (one process) to
 * reach into it.
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { catalog } from '../contracts/catalog.js';
import { migrateAll } from '../functions/migrations.js';
import type { ExtraTrigger, LocalEventing } from '../eventing/local.js';
import type { Notifier } from '../notifier/server.js';
import { INTERNAL_HOST, startPlumbing } from './plumbing.js';
import { providedSettings } from '../platform/config.js';
import { ensureKeys } from '../platform/auth/dev-keys.js';
import { provideLocalCallUrls } from './call-urls.js';

/** More worker deaths than this within the window stop the restarts. */
const MAX_CRASHES_IN_WINDOW = 5;
const CRASH_WINDOW_MS = 60_000;

/**
 * A young generation of 16–32 MB per semi-space instead of V8's default, which starts at
 * 1 MB and grows only as more of it survives a scavenge: a worker allocates per request and
 * keeps little, so it scavenged often. With these flags the share of a busy
 * worker's time in the garbage collector fell from 4.4–6.7 % to 3.8–4.1 % (CPU profiles
 * of `npm run bench -- rides` at full load), for up to ~64 MB more memory per worker.
 * Flags given on the command line win.
 */
const WORKER_HEAP_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=32'];

export interface ClusterOptions {
  /** Gateway port; 0 picks a free one. */
  port: number;
  host?: string;
  /** Port of the internal listener the workers share (always on 127.0.0.1); 0 or omitted picks a free one. */
  internalPort?: number;
  workers: number;
  keysDir?: string;
  log?: (line: string) => void;
  eventing?: false | { port?: number; extraTriggers?: readonly ExtraTrigger[]; tickScale?: number };
  notifier?: false | { port?: number; eventsPort?: number };
}

export interface ClusteredPlatform {
  url: string;
  port: number;
  /** http://127.0.0.1:<internal port>: function <name> takes its events at `${internalUrl}/_fn/<name>`. */
  internalUrl: string;
  internalPort: number;
  workers: number;
  eventing: LocalEventing | undefined;
  notifier: Notifier | undefined;
  close(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  s.listen(0, host);
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startClusteredPlatform(opts: ClusterOptions): Promise<ClusteredPlatform> {
  if (!cluster.isPrimary) throw new Error('startClusteredPlatform runs in the primary process');
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  ensureKeys(opts.keysDir);
  await migrateAll(log);
  // The broker needs the internal listener's URL before the workers listen on it.
  const port = opts.port === 0 ? await freePort(host) : opts.port;
  const url = `http://${host}:${port}`;
  const internalPort = opts.internalPort ? opts.internalPort : await freePort(INTERNAL_HOST);
  const internalUrl = `http://${INTERNAL_HOST}:${internalPort}`;
  provideLocalCallUrls(url, internalUrl, catalog);
  // A worker's environment: this one plus the settings handed to this process in code
  // (dev keys, call URLs, the broker's K_SINK once it is up), passed on explicitly.
  const workerEnv = () => ({
    ...providedSettings(),
    MICRORIDE_GATEWAY_PORT: String(port),
    MICRORIDE_GATEWAY_HOST: host,
    MICRORIDE_INTERNAL_PORT: String(internalPort),
  });

  let notifier: Notifier | undefined;
  let eventing: LocalEventing | undefined;
  const workers: Worker[] = [];
  const stopWorkers = async () => {
    await Promise.all(
      workers.filter((w) => !w.isDead()).map(async (w) => {
        const exited = once(w, 'exit');
        w.kill('SIGTERM');
        await exited;
      }),
    );
  };
  try {
    ({ notifier, eventing } = await startPlumbing({ internalUrl, host, functions: catalog, eventing: opts.eventing ?? {}, notifier: opts.notifier ?? {}, log }));
    // The worker entry is TypeScript: make sure it loads through tsx, however this process
    // was started (npm start uses tsx already; a test runner may not).
    const viaTsx = process.execArgv.some((a, i, all) => a === '--import' && all[i + 1] === 'tsx') ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
    const execArgv = [...WORKER_HEAP_FLAGS.filter((f) => !viaTsx.some((a) => a.startsWith(f.split('=')[0]!))), ...viaTsx];
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./gateway-worker.ts', import.meta.url)), execArgv });
    for (let i = 0; i < opts.workers; i++) {
      const w = cluster.fork(workerEnv());
      workers.push(w);
      // Ready once it listens on both ports (public first, then internal).
      await new Promise<void>((resolve, reject) => {
        const pending = new Set([port, internalPort]);
        const onListening = (address: { port: number }) => {
          pending.delete(address.port);
          if (pending.size > 0) return;
          w.off('listening', onListening);
          resolve();
        };
        w.on('listening', onListening);
        w.once('exit', (code) => reject(new Error(`gateway worker ${i + 1} exited (${code}) before it listened`)));
      });
    }
    log(`gateway listening on ${url} (${opts.workers} worker processes, ${catalog.length} functions each; event endpoints on ${internalUrl}, this machine only)`);
  } catch (err) {
    await stopWorkers();
    await eventing?.close();
    await notifier?.close();
    throw err;
  }
  // A worker that dies is replaced: the port must keep answering. One that keeps dying
  // right after it starts (a bug, a broken environment) is not restarted in a tight loop.
  let closing = false;
  let closed: Promise<void> | undefined;
  const recentDeaths: number[] = [];
  cluster.on('exit', (w, code, signal) => {
    if (closing) return;
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length > 0 && recentDeaths[0]! < now - CRASH_WINDOW_MS) recentDeaths.shift();
    const i = workers.indexOf(w);
    if (recentDeaths.length > MAX_CRASHES_IN_WINDOW) {
      log(`gateway worker ${w.process.pid} died (${signal ?? code}); ${recentDeaths.length} deaths in ${CRASH_WINDOW_MS / 1000} s, not restarting it`);
      return;
    }
    log(`gateway worker ${w.process.pid} died (${signal ?? code}); starting another`);
    const next = cluster.fork(workerEnv());
    if (i >= 0) workers[i] = next;
  });

  return {
    url,
    port,
    internalUrl,
    internalPort,
    workers: opts.workers,
    eventing,
    notifier,
    close() {
      closed ??= (async () => {
        closing = true;
        // Requests in flight finish in the workers (they drain on SIGTERM) before the broker
        // they publish to goes away.
        await stopWorkers();
        await eventing?.close();
        await notifier?.close();
      })();
      return closed;
    },
  };
}
