/**
 * The local broker end to end: HTTP ingress → RabbitMQ (publisher confirms, durable
 * queue, persistent messages) → dispatcher → subscriber, at parallelism 1 and 16, with
 * quorum queues (the cluster's RabbitmqBrokerConfig) and classic ones.
 *  - throughput: 64 senders in a closed loop push N events; events/s = N / (last
 *    delivered − first sent).
 *  - latency: events paced at fixed rates; publish-to-handler = arrival at the
 *    subscriber − just before the POST to the ingress. The send time travels in the
 *    event (extension benchsent, epoch ms); all processes share the machine's clock.
 * Three processes, as in a deployment: the broker and the subscriber (standing in for a
 * function) are children (this file with BENCH_ROLE=broker|subscriber); this process
 * only generates load. Medians of BENCH_RUNS runs (default 3).
 */
import http from 'node:http';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
/** BENCH_RATES_P<n> sets the rates of any other parallelism (500/s when unset). */
const pacedRates = (parallelism: number) => PACED_RATES[parallelism] ?? rates(process.env[`BENCH_RATES_P${parallelism}`], [500]);
/** BENCH_PAYLOAD_BYTES: the event's data (JSON) padded to this size (default: a 25-byte object). */
const PAYLOAD_BYTES = Number(process.env.BENCH_PAYLOAD_BYTES ?? 0);

type QueueType = 'quorum' | 'classic';
/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

/** parent → subscriber: forget what you saw; report once `count` events arrived. */
type SubscriberCommand = { cmd: 'reset' } | { cmd: 'report'; count: number; timeoutMs: number };
type SubscriberReport = { latencies: number[]; lastAt: number; error?: string };

// ── child: the broker ───────────────────────────────────────────────────────

async function runBroker(): Promise<void> {
  const { startBroker } = await import('../eventing/broker/index.js');
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
        parallelism: Number(process.env.BENCH_PARALLELISM),
        subscriber: 'bench',
        deadLetterSink: undefined,
      },
    ],
    subscriberUrl: () => process.env.BENCH_SUBSCRIBER_URL!,
    queueType: process.env.BENCH_QUEUE_TYPE === 'classic' ? 'classic' : 'quorum',
  });
  process.send!({ url: broker.url });
  process.once('SIGTERM', () => {
    void broker
      .close()
      .then(() => broker.deleteTopology())
      .finally(() => process.exit(0));
  });
}

// ── child: the subscriber (a function that does nothing but answer 202) ──────

async function runSubscriber(): Promise<void> {
  let latencies: number[] = [];
  let lastAt = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const server = http.createServer((req, res) => {
    const at = now();
    const sent = Number(req.headers['ce-benchsent']);
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-length': '0' });
      res.end();
      latencies.push(at - sent);
      lastAt = at;
      if (waiter && latencies.length >= waiter.count) waiter.resolve();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.on('message', (m: SubscriberCommand) => {
    if (m.cmd === 'reset') {
      latencies = [];
      lastAt = 0;
      return;
    }
    const report = (error?: string) => process.send!({ latencies, lastAt, ...(error ? { error } : {}) } satisfies SubscriberReport);
    if (latencies.length >= m.count) return report();
    const t = setTimeout(() => {
      waiter = undefined;
      report(`only ${latencies.length}/${m.count} delivered in ${m.timeoutMs} ms`);
    }, m.timeoutMs);
    waiter = {
      count: m.count,
      resolve: () => {
        clearTimeout(t);
        waiter = undefined;
        report();
      },
    };
  });
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

// ── parent: load and measurement ───────────────────────────────────────────

async function startChild(role: 'broker' | 'subscriber', env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env: { ...process.env, BENCH_ROLE: role, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [first] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => Promise.reject(new Error(`${role} exited`)))])) as [{ url: string }];
  return { child, url: first.url };
}

function ask(subscriber: ChildProcess, count: number, timeoutMs: number): Promise<SubscriberReport> {
  subscriber.send({ cmd: 'report', count, timeoutMs } satisfies SubscriberCommand);
  return once(subscriber, 'message').then(([r]) => {
    const report = r as SubscriberReport;
    if (report.error) throw new Error(report.error);
    return report;
  });
}

// Enough sockets that a paced send never waits in the agent for a free one: the ingress
// answers only after RabbitMQ's confirm, and that wait must not be charged to delivery.
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(process.env.BENCH_MAX_SOCKETS ?? 1024) });
/** Ingress answer times (202 = confirmed) of the current phase. */
let ackMs: number[] = [];

// One event rendered by the SDK; each message only gets a fresh id and send time, so the
// load generator spends its (shared) CPU on sending, not on building events.
const template = (() => {
  const e = new CloudEvent({ id: randomUUID(), source: '/microride/bench', type: 'bench.ping', subject: 'bench', datacontenttype: 'application/json', data: { hello: 'world', n: 42, ...(PAYLOAD_BYTES > 33 ? { pad: 'x'.repeat(PAYLOAD_BYTES - 33) } : {}) } });
  const m = HTTP.binary(e);
  const body = m.body as string;
  return { headers: { ...(m.headers as Record<string, string>), 'content-length': String(Buffer.byteLength(body)) }, body };
})();

function post(target: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const sent = now();
    const headers = { ...template.headers, 'ce-id': randomUUID(), 'ce-benchsent': sent.toFixed(3) };
    const req = http.request({ hostname: target.hostname, port: target.port, path: '/', method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        ackMs.push(now() - sent);
        if (res.statusCode === 202) resolve();
        else reject(new Error(`ingress answered ${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end(template.body);
  });
}

/** Closed loop: SENDERS concurrent senders until n events are acknowledged. */
async function closedLoop(target: URL, n: number): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < n) {
      next++;
      await post(target);
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
}

/** Open loop: `rate` events per second for `seconds`, whatever the answers take. */
async function pace(target: URL, rate: number, seconds: number): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (sent < due) {
      sent++;
      const p = post(target);
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
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
  /** Ingress 202 (publisher confirm) p99. */
  ackP99Ms: number;
  achieved: number;
}

interface RunFigures {
  eventsPerSec: number;
  throughputP50Ms: number;
  throughputP99Ms: number;
  paced: Paced[];
}

async function oneRun(parallelism: number, queueType: QueueType): Promise<RunFigures> {
  const sub = await startChild('subscriber', {});
  let broker: { child: ChildProcess; url: string } | undefined;
  try {
    broker = await startChild('broker', {
      BENCH_PARALLELISM: String(parallelism),
      BENCH_QUEUE_TYPE: queueType,
      BENCH_SUBSCRIBER_URL: sub.url,
      BROKER_PREFIX: `bench${randomBytes(3).toString('hex')}.`,
    });
    const target = new URL(broker.url);
    const phase = async (n: number, run: () => Promise<void>) => {
      sub.child.send({ cmd: 'reset' } satisfies SubscriberCommand);
      ackMs = [];
      const t0 = now();
      await run();
      const r = await ask(sub.child, n, 120_000);
      return { ...r, seconds: (r.lastAt - t0) / 1000 };
    };

    // Warm-up: JIT, connection pools, the queue's first segment.
    await phase(2_000, () => closedLoop(target, 2_000));
    const t = await phase(THROUGHPUT_EVENTS, () => closedLoop(target, THROUGHPUT_EVENTS));
    const paced: Paced[] = [];
    for (const rate of pacedRates(parallelism)) {
      let total = 0;
      const p = await phase(Math.round(rate * PACED_SECONDS), async () => {
        total = await pace(target, rate, PACED_SECONDS);
      });
      paced.push({ rate, p50Ms: percentile(p.latencies, 50), p99Ms: percentile(p.latencies, 99), ackP99Ms: percentile(ackMs, 99), achieved: total / p.seconds });
    }
    return { eventsPerSec: THROUGHPUT_EVENTS / t.seconds, throughputP50Ms: percentile(t.latencies, 50), throughputP99Ms: percentile(t.latencies, 99), paced };
  } finally {
    for (const c of [broker?.child, sub.child]) {
      if (!c || c.exitCode !== null) continue;
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  }
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export default async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  // quorum: what the cluster's RabbitmqBrokerConfig declares (and startBroker's default);
  // classic: what `npm start` uses (BROKER_QUEUE_TYPE), the cheaper choice on one node.
  const queueTypes = (process.env.BENCH_QUEUE_TYPES ?? 'quorum,classic').split(',') as QueueType[];
  for (const queueType of queueTypes) {
    for (const parallelism of (process.env.BENCH_PARALLELISMS ?? '1,16').split(',').map(Number)) {
      const runs: RunFigures[] = [];
      // The machine is shared: record how busy it was, since the figures depend on it.
      const load = loadavg()[0]!.toFixed(1);
      for (let i = 0; i < RUNS; i++) {
        process.stderr.write(`  ${queueType} queue, parallelism ${parallelism}: run ${i + 1}/${RUNS}\n`);
        const r = await oneRun(parallelism, queueType);
        const pacedText = r.paced.map((p) => `paced ${p.rate}/s: p50 ${round(p.p50Ms, 2)} ms, p99 ${round(p.p99Ms, 2)} ms (202 p99 ${round(p.ackP99Ms)} ms)`).join('; ');
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
        ingressAckP99Ms: round(med((r) => r.paced[0]!.ackP99Ms), 2),
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
          `Broker, subscriber and load generator in three processes; ` +
          `medians of ${RUNS} runs; 1-min load average at start ${load} (2 cores, shared with other work).`,
      });
    }
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.env.BENCH_ROLE === 'broker') void runBroker();
  else if (process.env.BENCH_ROLE === 'subscriber') void runSubscriber();
}
