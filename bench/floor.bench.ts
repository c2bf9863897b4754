/**
 * The plumbing floor (`npm run bench -- floor`): what one ride costs this machine before
 * any function does any work of its own. Each primitive a ride is made of runs alone, in a
 * closed loop of CONCURRENCY operations in flight (8), and is charged the CPU of every
 * process it crosses (both ends: this process is the sending half, as a function or the
 * dispatcher is in the platform; other work on the machine is left out):
 *   - an HTTP exchange: the platform's CloudEvent sender (platform/events/http-send)
 *     to an empty Hono handler on the functions' server stack (platform/serve), in
 *     a child process — what every API call, event delivery and publish crosses;
 *   - an AMQP publish: persistent, into the broker's kind of headers exchange, confirmed;
 *     its delivery: consumed from a durable queue and acked. Measured with 1 and 3 bound
 *     queues: a publish to one queue with its delivery, and each further queue's delivery
 *     (half the difference); a ride's 7 publishes fan out to 18 deliveries (bench/ride-plumbing.ts);
 *   - a PostgreSQL round trip (a named prepared statement), a Redis command (auto-pipelined,
 *     as the platform's client), a MongoDB (FerretDB) insert (batched, as tracking's).
 * The counts per ride come from the code and from the rides benchmark: HTTP exchanges and
 * AMQP traffic from the Trigger catalog for the rides benchmark's happy path, PostgreSQL
 * transactions from bench/results/rides.json (its counter), MongoDB operations from the
 * timeline Triggers. Redis is priced but left out of the sum: its counter includes the
 * commands Lua scripts run inside one round trip, so it would overstate.
 * floorMsPerRide = Σ count × cost; floorRidesPerSec is what the machine could do if the
 * functions, the broker and the notifier cost nothing beyond these crossings;
 * rideCpuOverFloor = the last rides run's CPU per ride in units of this floor.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CloudEvent } from 'cloudevents';
import { config } from '../platform/config.js';
import { median, type BenchResult } from './lib.js';
import { cpuByProcess, storesAndNode } from './process-cpu.js';
import { ridePlumbing } from './ride-plumbing.js';

const CONCURRENCY = Number(process.env.BENCH_FLOOR_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KINDS = ['http', 'publish1', 'publish3', 'pg', 'redis', 'mongo'] as const;
type Kind = (typeof KINDS)[number];

if (process.env.BENCH_ROLE === 'floor-server') {
  const { Hono } = await import('hono');
  const { listen } = await import('../platform/serve.js');
  const app = new Hono();
  app.post('/', async (c) => {
    await c.req.arrayBuffer();
    return c.body(null, 202);
  });
  const served = await listen(app.fetch, 0, '127.0.0.1');
  process.send!({ url: served.url });
  process.on('disconnect', () => process.exit(0));
}

// The processes an exchange crosses: this one (the sending end), its server child and the
// stores. Counted per process, so whatever else runs on the machine is left out.
const classify = storesAndNode((pid, _cmdline, ppid) => (pid === process.pid || ppid === process.pid ? 'bench' : undefined));
const cpuMs = () => [...cpuByProcess(classify).values()].reduce((sum, p) => sum + p.ms, 0);

/** CPU per operation (µs) of `op` run CONCURRENCY-wide for SECONDS, after a warm-up. */
async function cpuPerOp(op: () => Promise<unknown>): Promise<number> {
  let stop = false;
  let done = 0;
  const loop = async () => {
    while (!stop) {
      await op();
      done += 1;
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, loop);
  // Long enough for the JIT to settle: the first run of the HTTP exchange was ~2× the later ones after 0.7 s.
  await new Promise((r) => setTimeout(r, 1_500));
  const c0 = cpuMs();
  const n0 = done;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const c1 = cpuMs();
  const n = done - n0;
  stop = true;
  await Promise.all(loops);
  if (n === 0) throw new Error('no operation completed in the window');
  return ((c1 - c0) * 1000) / n;
}

async function httpExchange(): Promise<() => Promise<unknown>> {
  const { postEvent } = await import('../platform/events/http-send.js');
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ROLE: 'floor-server', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [msg] = (await once(child, 'message')) as [{ url: string }];
  process.once('exit', () => child.kill());
  // A typical ride event: ~400 bytes of data.
  const data = { rideId: randomUUID(), riderId: randomUUID(), driverId: randomUUID(), at: new Date().toISOString(), location: { lat: 52.52, lon: 13.405 }, fare: { amount: 1234, currency: 'EUR' }, pad: 'x'.repeat(200) };
  return async () => {
    const event = new CloudEvent({ id: randomUUID(), source: '/microride/bench', type: 'microride.ride.started', subject: data.rideId, datacontenttype: 'application/json', data }, false);
    const res = await postEvent(msg.url, event, { timeoutMs: 5_000 });
    if (res.status !== 202) throw new Error(`floor server answered ${res.status}`);
  };
}

async function amqp(queues: number, prefix: string) {
  const amqplib = await import('amqplib');
  const url = config().RABBITMQ_URL;
  const pub = await amqplib.connect(url);
  const sub = await amqplib.connect(url);
  const ch = await pub.createConfirmChannel();
  const exchange = `${prefix}.x${queues}`;
  await ch.assertExchange(exchange, 'headers', { durable: true });
  const cch = await sub.createChannel();
  await cch.prefetch(CONCURRENCY);
  const names: string[] = [];
  for (let q = 0; q < queues; q++) {
    const name = `${prefix}.q${queues}.${q}`;
    names.push(name);
    await ch.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await ch.bindQueue(name, exchange, '', { 'x-match': 'all', type: 'microride.ride.started' });
    await cch.consume(name, (m) => m && cch.ack(m));
  }
  const body = Buffer.from(JSON.stringify({ rideId: randomUUID(), pad: 'x'.repeat(300) }));
  const op = () =>
    new Promise<void>((resolve, reject) =>
      ch.publish(exchange, '', body, { persistent: true, headers: { type: 'microride.ride.started', id: randomUUID() } }, (err) => (err ? reject(err) : resolve())),
    );
  const close = async () => {
    for (const n of names) await ch.deleteQueue(n);
    await ch.deleteExchange(exchange);
    await pub.close();
    await sub.close();
  };
  return { op, close };
}

async function postgres() {
  const { default: pg } = await import('pg');
  const db = new pg.Pool({ connectionString: config().DATABASE_URL, max: CONCURRENCY });
  let i = 0;
  const op = () => db.query({ name: 'floor', text: 'select $1::int as n', values: [i++] });
  return { op, close: () => db.end() };
}

async function redis(prefix: string) {
  const { Redis } = await import('ioredis');
  // As the platform's client: commands issued in one tick share a write.
  const r = new Redis(config().REDIS_URL, { enableAutoPipelining: true });
  await r.set(`${prefix}:k`, 'v', 'EX', 60);
  return { op: () => r.get(`${prefix}:k`), close: () => r.quit() };
}

async function mongo(prefix: string) {
  const { MongoClient } = await import('mongodb');
  const client = await MongoClient.connect(config().MONGO_URL);
  const db = client.db(prefix.replace(/\W/g, '_'));
  // As tracking writes its timeline: concurrent inserts share one insertMany.
  const { batchedInserter } = await import('../functions/tracking/batched-insert.js');
  const insert = batchedInserter(() => db.collection('floor'));
  const op = () => insert({ rideId: randomUUID(), type: 'microride.ride.started', at: new Date(), location: { lat: 52.52, lon: 13.405 } });
  return { op, close: async () => (await db.dropDatabase(), await client.close()) };
}

interface RidesRun {
  pgTransactionsPerRide?: number;
  cpuMsPerRide?: number;
  date?: string;
}

/**
 * What the last rides benchmark counted and spent per ride: bench/results/rides.json, or
 * BENCH_RIDES_RESULT (the scale family's `ride` part hands over the run it just made).
 */
function lastRidesRun(): RidesRun {
  const file = process.env.BENCH_RIDES_RESULT ?? 'bench/results/rides.json';
  if (!existsSync(file)) return {};
  const r = JSON.parse(readFileSync(file, 'utf8')) as { figures: Record<string, unknown>; date?: unknown };
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const out: RidesRun = {};
  const pgTx = num(r.figures.pgTransactionsPerRide);
  const cpu = num(r.figures.cpuMsPerRide);
  if (pgTx !== undefined) out.pgTransactionsPerRide = pgTx;
  if (cpu !== undefined) out.cpuMsPerRide = cpu;
  if (typeof r.date === 'string') out.date = r.date;
  return out;
}

export default async function floorBench(): Promise<BenchResult> {
  const prefix = `benchfloor${randomBytes(3).toString('hex')}`;
  const runs: Record<Kind, number[]> = { http: [], publish1: [], publish3: [], pg: [], redis: [], mongo: [] };
  const send = await httpExchange();
  const stores = { pg: await postgres(), redis: await redis(prefix), mongo: await mongo(prefix) };
  const q1 = await amqp(1, prefix);
  const q3 = await amqp(3, prefix);
  try {
    for (let r = 0; r < RUNS; r++) {
      runs.http.push(await cpuPerOp(send));
      runs.publish1.push(await cpuPerOp(q1.op));
      runs.publish3.push(await cpuPerOp(q3.op));
      runs.pg.push(await cpuPerOp(stores.pg.op));
      runs.redis.push(await cpuPerOp(stores.redis.op));
      runs.mongo.push(await cpuPerOp(stores.mongo.op));
      process.stderr.write(`  run ${r + 1}: ${KINDS.map((k) => `${k} ${(runs[k].at(-1) ?? 0).toFixed(0)} µs`).join(', ')}\n`);
    }
  } finally {
    await q1.close();
    await q3.close();
    for (const s of Object.values(stores)) await s.close();
  }
  const us = Object.fromEntries(KINDS.map((k) => [k, median(runs[k])])) as Record<Kind, number>;
  // A publish routed to k queues and consumed from each costs publish1 + (k − 1) × extra.
  // Only those two are measured. Splitting publish1 into a publish and a delivery assumed
  // every queue costs the same, which RabbitMQ does not honour (the second and third queue
  // can cost more than the first): that split once priced a publish at −86 µs.
  const extraQueueUs = Math.max(0, (us.publish3 - us.publish1) / 2);

  const plumbing = ridePlumbing();
  const counters = lastRidesRun();
  const parts: Record<string, number> = {
    http: plumbing.httpExchanges * us.http,
    amqp: plumbing.publishes * us.publish1 + Math.max(0, plumbing.deliveries - plumbing.publishes) * extraQueueUs,
    mongo: plumbing.mongoOps * us.mongo,
    ...(counters.pgTransactionsPerRide !== undefined ? { pg: counters.pgTransactionsPerRide * us.pg } : {}),
  };
  const floorMs = Object.values(parts).reduce((a, b) => a + b, 0) / 1000;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    name: 'floor',
    figures: {
      httpExchangeUs: round(us.http),
      amqpPublishOneQueueUs: round(us.publish1),
      amqpExtraQueueUs: round(extraQueueUs),
      pgRoundTripUs: round(us.pg),
      redisCommandUs: round(us.redis),
      mongoInsertUs: round(us.mongo),
      httpExchangesPerRide: plumbing.httpExchanges,
      amqpPublishesPerRide: plumbing.publishes,
      amqpDeliveriesPerRide: plumbing.deliveries,
      mongoOpsPerRide: plumbing.mongoOps,
      ...(counters.pgTransactionsPerRide !== undefined ? { pgTransactionsPerRide: counters.pgTransactionsPerRide } : {}),
      ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [`floorMsPerRide (${k})`, round(v / 1000)])),
      floorMsPerRide: round(floorMs),
      floorRidesPerSec: round((availableParallelism() * 1000) / floorMs),
      // The same machine runs the same work 2–3× slower from one hour to the next (a shared
      // host); a ride's CPU in units of this floor moves far less, when both come from one sitting.
      ...(counters.cpuMsPerRide !== undefined ? { rideCpuMsPerRide: counters.cpuMsPerRide, rideCpuOverFloor: round(counters.cpuMsPerRide / floorMs) } : {}),
    },
    notes: `CPU per operation (µs; both ends and the store, counted per process), ${CONCURRENCY} in flight, median of ${RUNS} runs of ${SECONDS} s; counts per ride: ${plumbing.explain}${counters.pgTransactionsPerRide === undefined ? '; PostgreSQL left out: bench/results/rides.json has no pgTransactionsPerRide (run npm run bench -- rides first)' : `; PostgreSQL transactions per ride and rideCpuMsPerRide from bench/results/rides.json of ${counters.date ?? 'an unknown date'} (run \`npm run bench -- rides floor\` for both from one sitting)`}; Redis is left out of the sum (its command counter includes the commands of Lua scripts, which share one round trip). floorRidesPerSec = cores × 1000 / floorMsPerRide: the most rides per second this machine could complete if functions, broker and notifier did nothing but these crossings.`,
  };
}
