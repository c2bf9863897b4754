/**
 * Notifier benchmark (`npm run bench -- notifier`):
 *  1. memory: RSS of the notifier process before and after 10,000 idle authenticated
 *     websockets → bytes per connection (target ≤ 10 KB);
 *  2. latency: CloudEvents POSTed to the notifier at 1,000/s, each for a random one of
 *     the 10,000 connected users; time from just before the POST to the client's receipt
 *     (one monotonic clock across processes), p50/p99 per 5 s window, median of 3 windows
 *     (target p99 < 10 ms).
 * The notifier and the load client are separate processes (ulimit -n raised in their
 * shells); Redis is the real one, under a throw-away key prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { generateKeyPairPem } from '../platform/auth/keys.js';
import { median, percentile, type BenchResult } from './lib.js';

const CONNECTIONS = Number(process.env.BENCH_NOTIFIER_CONNECTIONS ?? 10_000);
const RATE = Number(process.env.BENCH_NOTIFIER_RATE ?? 1_000);
const WINDOW_S = 5;
const WINDOWS = Number(process.env.BENCH_NOTIFIER_WINDOWS ?? 3);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`  ${line}\n`);

/** Runs `node --import tsx <script>` in a shell that first raises the open-files limit. */
function spawnNode(script: string, env: NodeJS.ProcessEnv, ipc = false): ChildProcess {
  const cmd = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx ${script}`;
  return spawn('bash', ['-c', cmd], { env, stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'] });
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Cumulative buckets of a histogram (default notifier_delivery_seconds) from /metrics. */
export async function deliveryBuckets(url: string, metric = 'notifier_delivery_seconds'): Promise<[number, number][]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: [number, number][] = [];
  for (const m of text.matchAll(new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))) {
    out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** Prometheus-style histogram_quantile over the difference of two scrapes, in ms. */
export function histogramQuantile(q: number, before: [number, number][], after: [number, number][]): number {
  const b = after.map(([le, c], i) => [le, c - (before[i]?.[1] ?? 0)] as [number, number]);
  const total = b.at(-1)?.[1] ?? 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, c] of b) {
    if (c >= rank) {
      if (le === Infinity) return prevLe * 1000;
      return (prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, c - prevCount)) * 1000;
    }
    prevLe = le;
    prevCount = c;
  }
  return Number.NaN;
}

function ask<T>(child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg as object);
  });
}

export default async function notifierBench(): Promise<BenchResult> {
  const keys = generateKeyPairPem();
  const prefix = `bench${randomBytes(3).toString('hex')}:`;
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_PREFIX: prefix,
    JWT_PUBLIC_KEY: keys.publicKey,
    NOTIFIER_PORT: '0',
    NOTIFIER_HOST: '127.0.0.1',
    NOTIFIER_EVENTS_PORT: '0',
  };

  const notifier = spawnNode('notifier/main.ts', env);
  // The websocket port (health, metrics) and the CloudEvent endpoint, a port of its own.
  const [url, eventsUrl] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    notifier.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /notifier listening on (http:\/\/\S+) .*CloudEvents at (http:\/\/\S+)\/\)/.exec(out);
      if (m) resolve([m[1]!, m[2]!]);
    });
    notifier.once('exit', (code) => reject(new Error(`notifier exited with ${code}`)));
  });
  const wsUrl = `${url.replace('http', 'ws')}/ws`;
  const client = spawnNode('bench/notifier-client.ts', { ...env, JWT_PRIVATE_KEY: keys.privateKey }, true);
  await new Promise((r) => client.once('message', r)); // ready

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const post = (userId: string, rideId: string) =>
    new Promise<number>((resolve) => {
      const body = JSON.stringify({ rideId, riderId: userId });
      const req = request(`${eventsUrl}/`, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'ce-specversion': '1.0',
          'ce-id': rideId,
          'ce-source': '/microride/bench',
          'ce-type': 'microride.ride.expired',
          prefer: 'reply',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });

  /** The notifier's V8 heap in use, from its /metrics. */
  const heapUsed = async (): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const v = /^nodejs_heap_used_bytes (\d+)/m.exec(text)?.[1];
    if (v === undefined) throw new Error('the notifier reported no nodejs_heap_used_bytes');
    return Number(v);
  };

  try {
    // Warm-up: code paths JIT-compiled, Redis script cached, pools grown — the baseline
    // should hold what any running notifier has, so the delta is the sockets alone.
    const warm = Array.from({ length: 200 }, () => randomUUID());
    await ask(client, { cmd: 'connect', wsUrl, users: warm, concurrency: 50 });
    for (const u of warm.slice(0, 50)) await post(u, randomUUID());
    await ask(client, { cmd: 'report' });
    await sleep(2_000);
    const rssBefore = rssBytes(notifier.pid!);
    const heapBefore = await heapUsed();

    const users = Array.from({ length: CONNECTIONS }, () => randomUUID());
    const half = Math.floor(CONNECTIONS / 2);
    type Connected = { connected: number; failed: number; ms: number };
    log(`connecting ${CONNECTIONS} websockets (in two halves)…`);
    const first = await ask<Connected>(client, { cmd: 'connect', wsUrl, users: users.slice(0, half), concurrency: 200 });
    await sleep(3_000);
    const rssHalf = rssBytes(notifier.pid!);
    const second = await ask<Connected>(client, { cmd: 'connect', wsUrl, users: users.slice(half), concurrency: 200 });
    const conn = { connected: first.connected + second.connected, failed: first.failed + second.failed, ms: first.ms + second.ms };
    log(`connected ${conn.connected} (${conn.failed} failed) in ${(conn.ms / 1000).toFixed(1)} s`);
    await sleep(5_000); // idle: let allocation settle
    const rssAfter = rssBytes(notifier.pid!);
    // The JavaScript share (the Conn records, timers, the user and session sets), apart from
    // uWebSockets.js's native memory and the allocator's steps that make RSS coarse.
    const heapPerConnection = ((await heapUsed()) - heapBefore) / conn.connected;
    const perConnection = (rssAfter - rssBefore) / conn.connected;
    // The second half's cost alone: excludes one-off growth (heap semispaces, maps) that the first half paid.
    const marginal = (rssAfter - rssHalf) / second.connected;
    log(`RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssHalf / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)} MiB: ${(perConnection / 1024).toFixed(2)} KiB per connection (marginal ${(marginal / 1024).toFixed(2)} KiB); V8 heap ${(heapPerConnection / 1024).toFixed(2)} KiB per connection`);

    /** Sends RATE events/s for `seconds`; returns the latencies of those the client received. */
    const runWindow = async (seconds: number) => {
      const sentAt = new Map<string, number>();
      const total = RATE * seconds;
      const pending: Promise<number>[] = [];
      const start = now();
      let i = 0;
      // Pace by the clock, not by timers: every tick sends what is due so far.
      while (i < total) {
        const due = Math.min(total, Math.floor(((now() - start) / 1000) * RATE));
        for (; i < due; i++) {
          const rideId = randomUUID();
          sentAt.set(rideId, now());
          pending.push(post(users[(Math.random() * users.length) | 0]!, rideId));
        }
        await sleep(1);
      }
      const statuses = await Promise.all(pending);
      const rate = total / ((now() - start) / 1000);
      await sleep(1_000);
      const { receipts } = await ask<{ receipts: [string, number][] }>(client, { cmd: 'report' });
      const lat = receipts.filter(([id]) => sentAt.has(id)).map(([id, t]) => t - sentAt.get(id)!);
      return { total, rate, lat, failedPosts: statuses.filter((st) => st !== 202).length };
    };

    // Warm-up at the full rate, not measured: the sender's and notifier's hot paths get
    // compiled and the HTTP keep-alive pool fills, as in a notifier that has been running.
    await runWindow(3);

    const p50s: number[] = [];
    const p99s: number[] = [];
    const maxes: number[] = [];
    let sent = 0;
    let delivered = 0;
    let failedPosts = 0;
    let achievedRate = 0;
    const cpu0 = { notifier: cpuSeconds(notifier.pid!), client: cpuSeconds(client.pid!), t: now() };
    const buckets0 = await deliveryBuckets(url);
    for (let w = 0; w < WINDOWS; w++) {
      const r = await runWindow(WINDOW_S);
      achievedRate = r.rate;
      failedPosts += r.failedPosts;
      sent += r.total;
      delivered += r.lat.length;
      p50s.push(percentile(r.lat, 50));
      p99s.push(percentile(r.lat, 99));
      maxes.push(Math.max(...r.lat));
      log(`window ${w + 1}: ${r.lat.length}/${r.total} delivered at ${r.rate.toFixed(0)}/s, p50 ${percentile(r.lat, 50).toFixed(2)} ms, p99 ${percentile(r.lat, 99).toFixed(2)} ms`);
    }
    const buckets1 = await deliveryBuckets(url);
    const serverP50 = histogramQuantile(0.5, buckets0, buckets1);
    const serverP99 = histogramQuantile(0.99, buckets0, buckets1);
    log(`notifier-side (receipt → socket write, from its histogram): p50 ≈ ${serverP50.toFixed(2)} ms, p99 ≈ ${serverP99.toFixed(2)} ms`);
    const elapsed = (now() - cpu0.t) / 1000;
    const notifierCpu = (cpuSeconds(notifier.pid!) - cpu0.notifier) / elapsed;
    const clientCpu = (cpuSeconds(client.pid!) - cpu0.client) / elapsed;
    log(`CPU during the latency phase: notifier ${(notifierCpu * 100).toFixed(0)}%, load client ${(clientCpu * 100).toFixed(0)}% of one core`);

    return {
      name: 'notifier',
      figures: {
        connections: conn.connected,
        connectFailures: conn.failed,
        connectSeconds: Number((conn.ms / 1000).toFixed(1)),
        rssBeforeMiB: Number((rssBefore / 2 ** 20).toFixed(1)),
        rssAfterMiB: Number((rssAfter / 2 ** 20).toFixed(1)),
        rssPerIdleConnectionKiB: Number((perConnection / 1024).toFixed(2)),
        heapPerIdleConnectionKiB: Number((heapPerConnection / 1024).toFixed(2)),
        rssMarginalPerConnectionKiB: Number((marginal / 1024).toFixed(2)),
        eventsPerSec: Number(achievedRate.toFixed(0)),
        eventsSent: sent,
        eventsDelivered: delivered,
        postFailures: failedPosts,
        latencyP50Ms: Number(median(p50s).toFixed(2)),
        latencyP99Ms: Number(median(p99s).toFixed(2)),
        latencyMaxMs: Number(Math.max(...maxes).toFixed(2)),
        serverSideP50Ms: Number(serverP50.toFixed(2)),
        serverSideP99Ms: Number(serverP99.toFixed(2)),
        notifierCpuPercent: Number((notifierCpu * 100).toFixed(0)),
        loadClientCpuPercent: Number((clientCpu * 100).toFixed(0)),
        machineLoadAvg1m: Number(loadavg()[0]!.toFixed(2)),
      },
      targets: {
        connections: `= ${CONNECTIONS}`,
        rssPerIdleConnectionKiB: '<= 10',
        eventsDelivered: `= eventsSent`,
        latencyP99Ms: '< 10',
      },
      notes:
        `Notifier and load client are separate processes; 1 event = 1 rider (microride.ride.expired) to a random one of ${CONNECTIONS} users, ` +
        `${RATE}/s for ${WINDOWS}×${WINDOW_S} s after a 3 s warm-up at that rate; latency = client receipt − just before the POST (CLOCK_MONOTONIC), medians over windows. ` +
        `RSS delta measured after a 200-socket warm-up, 5 s after the last connect.`,
    };
  } finally {
    client.kill('SIGKILL');
    notifier.kill('SIGTERM');
    await new Promise((r) => notifier.once('exit', r));
    agent.destroy();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length) await redis.unlink(...found);
    } while (cursor !== '0');
    await redis.quit();
  }
}
