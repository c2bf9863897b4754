/**
 * The local broker end to end: HTTP ingress → RabbitMQ (publisher confirms, durable
 * queue) → dispatcher → subscriber, at parallelism 1 and 16, with quorum queues (the
 * cluster's RabbitmqBrokerConfig) and classic ones (BENCH_QUEUE_TYPES=quorum,classic).
 *  - throughput: 64 senders in a closed loop push N events; events/s = N / (last
 *    delivered − first sent).
 *  - latency: events paced at a fixed rate; publish-to-handler = arrival at the
 *    subscriber − just before the POST to the ingress (one clock: same process).
 * The broker runs in a child process (this file, started with BROKER_BENCH_CHILD=1), the
 * load generator and the subscriber in this one. Medians of BENCH_RUNS runs (default 3).
 */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { CloudEvent, HTTP } from 'cloudevents';
import { median, percentile, type BenchResult } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const THROUGHPUT_EVENTS = Number(process.env.BENCH_EVENTS ?? 15_000);
const PACED_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const SENDERS = 64;
const AMQP_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/**
 * Paced rates per parallelism: at 16 the target rate, then half of it (latency when the
 * machine is not saturated); at 1 a rate a FIFO Trigger sustains.
 */
const rates = (v: string | undefined, d: number[]) => (v ? v.split(',').map(Number) : d);
const PACED_RATES: Record<number, number[]> = { 1: rates(process.env.BENCH_RATES_P1, [500]), 16: rates(process.env.BENCH_RATES_P16, [3_000, 1_500]) };
const pacedRates = (parallelism: number) => PACED_RATES[parallelism] ?? [500];

// ── child: the broker ───────────────────────────────────────────────────────

async function runBrokerChild(): Promise<void> {
  const { startBroker } = await import('../eventing/broker/index.js');
  const parallelism = Number(process.env.BENCH_PARALLELISM);
  const broker = await startBroker({
    amqpUrl: AMQP_URL,
    prefix: process.env.BROKER_PREFIX!,
    port: 0,
    triggers: [
      {
        name: 'bench',
        broker: 'microride',
        filter: { type: 'bench.ping' },
        delivery: { retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' },
        parallelism,
        subscriber: 'bench',
        deadLetterSink: undefined,
      },
    ],
    subscriberUrl: () => process.env.BENCH_SUBSCRIBER_URL!,
    queueType: process.env.BENCH_QUEUE_TYPE === 'classic' ? 'classic' : 'quorum',
  });
  process.stdout.write(`READY ${broker.url}\n`);
  const stop = async () => {
    await broker.close();
    await broker.deleteTopology();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
}

// ── parent: load and measurement ───────────────────────────────────────────

const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS * 2 });

const urls = new Map<string, URL>();

function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  let u = urls.get(url);
  if (!u) urls.set(url, (u = new URL(url)));
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u!.hostname, port: u!.port, path: '/', method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Recorder {
  url: string;
  sentAt: Map<string, number>;
  latencies: number[];
  delivered: number;
  lastAt: number;
  waitDelivered(n: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  let waiter: { n: number; resolve: () => void } | undefined;
  const rec: Omit<Recorder, 'url' | 'waitDelivered' | 'close'> = { sentAt: new Map(), latencies: [], delivered: 0, lastAt: 0 };
  const server = http.createServer((req, res) => {
    const at = performance.now();
    const id = req.headers['ce-id'] as string;
    req.resume();
    req.on('end', () => {
      const sent = rec.sentAt.get(id);
      if (sent !== undefined) {
        rec.sentAt.delete(id);
        rec.latencies.push(at - sent);
        rec.delivered++;
        rec.lastAt = at;
        if (waiter && rec.delivered >= waiter.n) waiter.resolve();
      }
      res.writeHead(202, { 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(rec, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    waitDelivered(n: number, timeoutMs: number) {
      if (rec.delivered >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`only ${rec.delivered}/${n} delivered in ${timeoutMs} ms`)), timeoutMs);
        waiter = { n, resolve: () => (clearTimeout(t), resolve()) };
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  });
}

// One event rendered by the SDK; each message only gets a fresh id, so the load
// generator spends its (shared) CPU on sending, not on building events.
const template = (() => {
  const e = new CloudEvent({ id: randomUUID(), source: '/microride/bench', type: 'bench.ping', subject: 'bench', datacontenttype: 'application/json', data: { hello: 'world', n: 42 } });
  const m = HTTP.binary(e);
  return { headers: m.headers as Record<string, string>, body: m.body as string };
})();

function message(): { id: string; headers: Record<string, string>; body: string } {
  const id = randomUUID();
  return { id, headers: { ...template.headers, 'ce-id': id }, body: template.body };
}

async function startBrokerProcess(parallelism: number, queueType: QueueType, subscriberUrl: string): Promise<{ url: string; child: ChildProcess }> {
  // BENCH_CHILD_NODE_ARGS: extra node flags for the broker process, e.g. --cpu-prof.
  const extra = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: {
      ...process.env,
      BROKER_BENCH_CHILD: '1',
      BENCH_PARALLELISM: String(parallelism),
      BENCH_QUEUE_TYPE: queueType,
      BENCH_SUBSCRIBER_URL: subscriberUrl,
      BROKER_PREFIX: `bench${randomBytes(3).toString('hex')}.`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += String(c);
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}):\n${out}`)));
  });
  return { url, child };
}

/** Closed loop: SENDERS concurrent senders until n events are acknowledged. */
async function closedLoop(ingress: string, rec: Recorder, n: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < n) {
      next++;
      const m = message();
      rec.sentAt.set(m.id, performance.now());
      const status = await post(ingress, m.headers, m.body);
      if (status !== 202) throw new Error(`ingress answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
}

/** Open loop: `rate` events per second for `seconds`, whatever the answers take. */
async function pace(ingress: string, rec: Recorder, rate: number, seconds: number): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  const inflight = new Set<Promise<unknown>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (sent < due) {
      sent++;
      const m = message();
      rec.sentAt.set(m.id, performance.now());
      const p = post(ingress, m.headers, m.body).then((s) => {
        if (s !== 202) throw new Error(`ingress answered ${s}`);
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  return total;
}

interface Paced {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  achieved: number;
}

interface RunFigures {
  eventsPerSec: number;
  throughputP50Ms: number;
  throughputP99Ms: number;
  paced: Paced[];
}

async function oneRun(parallelism: number, queueType: QueueType): Promise<RunFigures> {
  const rec = await startRecorder();
  const { url, child } = await startBrokerProcess(parallelism, queueType, rec.url);
  const reset = () => {
    rec.delivered = 0;
    rec.latencies = [];
  };
  try {
    // Warm-up: JIT, connection pools, the queue's first segment.
    await closedLoop(url, rec, 2_000);
    await rec.waitDelivered(2_000, 60_000);

    reset();
    const t0 = performance.now();
    await closedLoop(url, rec, THROUGHPUT_EVENTS);
    await rec.waitDelivered(THROUGHPUT_EVENTS, 120_000);
    const eventsPerSec = THROUGHPUT_EVENTS / ((rec.lastAt - t0) / 1000);
    const tLat = [...rec.latencies];

    const paced: Paced[] = [];
    for (const rate of pacedRates(parallelism)) {
      reset();
      const p0 = performance.now();
      const total = await pace(url, rec, rate, PACED_SECONDS);
      await rec.waitDelivered(total, 60_000);
      paced.push({ rate, p50Ms: percentile(rec.latencies, 50), p99Ms: percentile(rec.latencies, 99), achieved: total / ((rec.lastAt - p0) / 1000) });
    }
    return { eventsPerSec, throughputP50Ms: percentile(tLat, 50), throughputP99Ms: percentile(tLat, 99), paced };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await rec.close();
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

type QueueType = 'quorum' | 'classic';

export default async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // quorum: what the cluster's RabbitmqBrokerConfig declares (and startBroker's default);
  // classic: durable classic queues, the cheaper choice on a single node.
  const queueTypes = (process.env.BENCH_QUEUE_TYPES ?? 'quorum,classic').split(',') as QueueType[];
  for (const queueType of queueTypes) {
    for (const parallelism of (process.env.BENCH_PARALLELISMS ?? '1,16').split(',').map(Number)) {
      const runs: RunFigures[] = [];
      // The machine is shared: record how busy it was, since the figures depend on it.
      const load = loadavg()[0]!.toFixed(1);
      for (let i = 0; i < RUNS; i++) {
        process.stderr.write(`  ${queueType} queue, parallelism ${parallelism}: run ${i + 1}/${RUNS}\n`);
        const r = await oneRun(parallelism, queueType);
        const pacedText = r.paced.map((p) => `paced ${p.rate}/s: p50 ${round(p.p50Ms, 2)} ms, p99 ${round(p.p99Ms, 2)} ms`).join('; ');
        process.stderr.write(`    ${Math.round(r.eventsPerSec)} ev/s (p99 ${round(r.throughputP99Ms)} ms); ${pacedText}\n`);
        runs.push(r);
      }
      const med = (f: (r: RunFigures) => number) => median(runs.map(f));
      const [first, ...others] = pacedRates(parallelism);
      const figures: Record<string, number> = {
        eventsPerSec: Math.round(med((r) => r.eventsPerSec)),
        saturatedP50Ms: round(med((r) => r.throughputP50Ms)),
        saturatedP99Ms: round(med((r) => r.throughputP99Ms)),
        pacedRatePerSec: first!,
        pacedAchievedPerSec: Math.round(med((r) => r.paced[0]!.achieved)),
        p50Ms: round(med((r) => r.paced[0]!.p50Ms), 2),
        p99Ms: round(med((r) => r.paced[0]!.p99Ms), 2),
      };
      others.forEach((rate, i) => {
        figures[`p50MsAt${rate}PerSec`] = round(med((r) => r.paced[i + 1]!.p50Ms), 2);
        figures[`p99MsAt${rate}PerSec`] = round(med((r) => r.paced[i + 1]!.p99Ms), 2);
      });
      figures.runs = RUNS;
      results.push({
        name: `broker-p${parallelism}-${queueType}`,
        figures,
        ...(parallelism === 16 ? { targets: { eventsPerSec: '>= 3000', p99Ms: '< 20' } } : {}),
        notes:
          `ingress → RabbitMQ (confirms, durable ${queueType} queue, persistent messages) → dispatcher (prefetch = parallelism) → subscriber; ` +
          `eventsPerSec: ${THROUGHPUT_EVENTS} events from ${SENDERS} closed-loop senders (saturated* = latency under that overload); ` +
          `p50/p99: publish-to-handler at ${first} events/s paced for ${PACED_SECONDS} s${others.length ? ` (…At<rate>: the same at ${others.join(', ')}/s)` : ''}. ` +
          `Broker in a child process; load + subscriber in the bench process; ` +
          `medians of ${RUNS} runs; 1-min load average at start ${load} (2 cores, shared with other work).`,
      });
    }
  }
  return results;
}

if (process.env.BROKER_BENCH_CHILD === '1' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runBrokerChild();
}
