/**
 * Live driver positions (`npm run bench -- live-position`): N rides in progress, their
 * drivers pinging once a second (staggered over the second), each ping through tracking's
 * real ping path (bench/live-pinger.ts: rate-limit check, live index, trace, MongoDB
 * sample, live position) and each push through Redis pub/sub and the notifier (its own
 * process) to the rider's socket (bench/live-client.ts, its own process).
 *
 * Two phases in the same run, same pacing, same N:
 *   reference — N drivers on no ride: the ping path without the live position;
 *   live      — N drivers on accepted rides: the same plus the position and its push.
 * Figures: push latency (just before the ping's handler → the rider's socket receives the
 * frame, CLOCK_MONOTONIC across processes; so it includes the rate-limit check before the
 * ping counts as accepted, an upper bound) p50/p99; the ping handler's own latency in both
 * phases (what the push adds to the driver's request); CPU of the ping process per ping in
 * both phases (the difference is the live position's cost), the notifier's CPU per push;
 * and whether every ride got a push in every second window it had an accepted ping in.
 *
 * Knobs: BENCH_LIVE_RIDES (1000), BENCH_LIVE_SECONDS (10 per phase), BENCH_LIVE_WARMUP (3),
 * BENCH_LIVE_ROUNDS (2: reference, live, reference, live), BENCH_PINGER_NODE_ARGS (Node flags
 * for the ping process, e.g. a CPU profile). The ping process runs with
 * LOCATION_MIN_INTERVAL_MS=900: at the default 1000 a driver pinging every second meets
 * the limit whenever a ping comes a few ms early (the window opens at the previous
 * ping's arrival), and refused pings would blur both phases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { generateKeyPairPem } from '../platform/auth/keys.js';
import { percentile, type BenchResult } from './lib.js';
import { deliveryBuckets, histogramQuantile } from './notifier.bench.js';

const N = Number(process.env.BENCH_LIVE_RIDES ?? 1_000);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
const WARMUP_S = Number(process.env.BENCH_LIVE_WARMUP ?? 3);
/** Reference and live phases alternate this many times: a machine whose other load drifts affects both alike. */
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 2);
const CITY = { lat: 52.52, lon: 13.405 };
const SPREAD_M = 6_000;

const now = () => Number(process.hrtime.bigint()) / 1e6;
const log = (line: string) => process.stderr.write(`  ${line}\n`);
const round = (v: number, d = 2) => Number(v.toFixed(d));

function spawnNode(script: string, env: NodeJS.ProcessEnv, ipc: boolean, nodeArgs = ''): ChildProcess {
  const cmd = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" ${nodeArgs} --import tsx ${script}`;
  return spawn('bash', ['-c', cmd], { env, stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'] });
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function ask<T>(child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      const r = m as T & { error?: string };
      if (r.error) reject(new Error(r.error));
      else resolve(r);
    });
    child.send(msg as object);
  });
}

const around = (dy: number, dx: number) => ({ lat: CITY.lat + dy / 111_320, lon: CITY.lon + dx / (111_320 * Math.cos((CITY.lat * Math.PI) / 180)) });
const somewhere = () => around((Math.random() - 0.5) * SPREAD_M, (Math.random() - 0.5) * SPREAD_M);

type Ping = [string, string, number, number];
interface RunOut {
  pings: Ping[];
  refused: number;
  failed: number;
  cpuMs: number;
  elapsedMs: number;
}

export default async function livePositionBench(): Promise<BenchResult> {
  const keys = generateKeyPairPem();
  const id = `bench${randomBytes(3).toString('hex')}`;
  const env = { ...process.env, LOG_LEVEL: 'warn', REDIS_PREFIX: `${id}:`, MONGO_DB: id, JWT_PUBLIC_KEY: keys.publicKey };
  const notifier = spawnNode('notifier/main.ts', { ...env, NODE_ENV: 'production', NOTIFIER_PORT: '0', NOTIFIER_HOST: '127.0.0.1', NOTIFIER_EVENTS_PORT: '0' }, false);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    notifier.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /notifier listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    notifier.once('exit', (code) => reject(new Error(`notifier exited with ${code}`)));
  });
  const wsUrl = `${url.replace('http', 'ws')}/ws`;
  const client = spawnNode('bench/live-client.ts', { ...env, JWT_PRIVATE_KEY: keys.privateKey }, true);
  // BENCH_PINGER_NODE_ARGS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the ping path.
  const pinger = spawnNode('bench/live-pinger.ts', { ...env, LOCATION_MIN_INTERVAL_MS: '900' }, true, process.env.BENCH_PINGER_NODE_ARGS ?? '');
  await Promise.all([new Promise((r) => client.once('message', r)), new Promise((r) => pinger.once('message', r))]);

  try {
    const rides = Array.from({ length: N }, () => {
      const pickup = somewhere();
      return { rideId: randomUUID(), riderId: randomUUID(), driverId: randomUUID(), pickup, dropoff: somewhere() };
    });
    // Each driver starts ~1.5 km from its pickup and drives towards it over the window.
    const onRide = rides.map((r) => ({ driverId: r.driverId, from: { lat: r.pickup.lat + 1_500 / 111_320, lon: r.pickup.lon }, to: r.pickup }));
    const idle = rides.map(() => {
      const from = somewhere();
      return { driverId: randomUUID(), from, to: somewhere() };
    });

    const conn = await ask<{ connected: number; failed: number; ms: number }>(client, { cmd: 'connect', wsUrl, users: rides.map((r) => r.riderId), concurrency: 100 });
    log(`${conn.connected} rider sockets (${conn.failed} failed) in ${(conn.ms / 1000).toFixed(1)} s`);
    await ask(pinger, { cmd: 'seed', rides });
    log(`${N} rides accepted in tracking's ride state`);

    // Warm-up of both paths (JIT, Redis scripts, MongoDB pool), not measured.
    await ask<RunOut>(pinger, { cmd: 'run', drivers: idle, seconds: WARMUP_S });
    await ask<RunOut>(pinger, { cmd: 'run', drivers: onRide, seconds: WARMUP_S });
    await new Promise((r) => setTimeout(r, 1_000));
    await ask(client, { cmd: 'report' });

    const phase = async (drivers: typeof idle) => {
      const n0 = cpuSeconds(notifier.pid!);
      const out = await ask<RunOut>(pinger, { cmd: 'run', drivers, seconds: SECONDS });
      await new Promise((r) => setTimeout(r, 1_000)); // the last pushes land
      const notifierCpuMs = (cpuSeconds(notifier.pid!) - n0) * 1000;
      const { receipts, closedUnexpectedly } = await ask<{ receipts: [string, string, number][]; closedUnexpectedly: number }>(client, { cmd: 'report' });
      return { ...out, notifierCpuMs, receipts, closedUnexpectedly };
    };

    type Phase = Awaited<ReturnType<typeof phase>>;
    const merge = (a: Phase | undefined, b: Phase): Phase =>
      a
        ? {
            pings: [...a.pings, ...b.pings], refused: a.refused + b.refused, failed: a.failed + b.failed, cpuMs: a.cpuMs + b.cpuMs,
            elapsedMs: a.elapsedMs + b.elapsedMs, notifierCpuMs: a.notifierCpuMs + b.notifierCpuMs, receipts: [...a.receipts, ...b.receipts],
            closedUnexpectedly: a.closedUnexpectedly + b.closedUnexpectedly,
          }
        : b;
    const buckets0 = await deliveryBuckets(url, 'notifier_live_delivery_seconds');
    let refAll: Phase | undefined;
    let liveAll: Phase | undefined;
    for (let r = 1; r <= ROUNDS; r++) {
      log(`round ${r}: reference (${N} drivers on no ride, 1 ping/s each, ${SECONDS} s), then live (${N} drivers on rides)…`);
      refAll = merge(refAll, await phase(idle));
      liveAll = merge(liveAll, await phase(onRide));
    }
    const ref = refAll!;
    const live = liveAll!;
    // Tracking's publish call → the notifier's socket write (the notifier's own histogram).
    const buckets1 = await deliveryBuckets(url, 'notifier_live_delivery_seconds');
    const publishToWriteP50 = histogramQuantile(0.5, buckets0, buckets1);
    const publishToWriteP99 = histogramQuantile(0.99, buckets0, buckets1);

    const sentAt = new Map(live.pings.filter((p) => p[0]).map((p) => [`${p[0]} ${p[1]}`, p[2]]));
    const latencies: number[] = [];
    const receivedWindows = new Set<string>();
    for (const [rideId, at, t] of live.receipts) {
      const t0 = sentAt.get(`${rideId} ${at}`);
      if (t0 === undefined) continue;
      latencies.push(t - t0);
      receivedWindows.add(`${rideId} ${Math.floor(Date.parse(at) / 1000)}`);
    }
    // A push is due for each ride in each second window with an accepted ping of it.
    const dueWindows = new Set(live.pings.filter((p) => p[0]).map((p) => `${p[0]} ${Math.floor(Date.parse(p[1]) / 1000)}`));
    const missing = [...dueWindows].filter((w) => !receivedWindows.has(w));
    const ridesMissing = new Set(missing.map((w) => w.split(' ')[0])).size;
    const perRide = new Map<string, number>();
    for (const [rideId] of live.receipts) perRide.set(rideId, (perRide.get(rideId) ?? 0) + 1);
    const windowsPerRide = new Map<string, number>();
    for (const w of receivedWindows) windowsPerRide.set(w.split(' ')[0]!, (windowsPerRide.get(w.split(' ')[0]!) ?? 0) + 1);
    const overOnePerWindow = [...perRide].filter(([r, c]) => c > (windowsPerRide.get(r) ?? 0)).length;
    const livePings = live.pings.length;
    const refPings = ref.pings.length;
    const cpuRef = ref.cpuMs / refPings;
    const cpuLive = live.cpuMs / livePings;
    const refHandle = ref.pings.map((p) => p[3]);
    const liveHandle = live.pings.map((p) => p[3]);
    log(`reference: ${refPings} pings (${ref.refused} refused, ${ref.failed} failed) ${(refPings / (ref.elapsedMs / 1000)).toFixed(0)}/s, CPU ${(cpuRef * 1000).toFixed(0)} µs/ping, handler p50/p99 ${percentile(refHandle, 50).toFixed(2)}/${percentile(refHandle, 99).toFixed(2)} ms`);
    log(`live:      ${livePings} pings (${live.refused} refused, ${live.failed} failed) ${(livePings / (live.elapsedMs / 1000)).toFixed(0)}/s, CPU ${(cpuLive * 1000).toFixed(0)} µs/ping, handler p50/p99 ${percentile(liveHandle, 50).toFixed(2)}/${percentile(liveHandle, 99).toFixed(2)} ms`);
    log(`publish → socket write (notifier histogram): p50 ≈ ${publishToWriteP50.toFixed(2)} ms, p99 ≈ ${publishToWriteP99.toFixed(2)} ms`);
    log(`pushes: ${latencies.length} received of ${dueWindows.size} due; p50/p99/max ${percentile(latencies, 50).toFixed(2)}/${percentile(latencies, 99).toFixed(2)}/${Math.max(...latencies).toFixed(1)} ms; ${ridesMissing} rides missed a window; notifier ${((live.notifierCpuMs / Math.max(1, latencies.length)) * 1000).toFixed(0)} µs CPU/push`);

    return {
      name: 'live-position',
      figures: {
        rides: N,
        riderSockets: conn.connected,
        refPings: refPings,
        refPingsPerSec: round(refPings / (ref.elapsedMs / 1000), 0),
        refCpuMicrosPerPing: round(cpuRef * 1000, 0),
        refHandlerP50Ms: round(percentile(refHandle, 50)),
        refHandlerP99Ms: round(percentile(refHandle, 99)),
        livePings: livePings,
        livePingsPerSec: round(livePings / (live.elapsedMs / 1000), 0),
        liveCpuMicrosPerPing: round(cpuLive * 1000, 0),
        liveHandlerP50Ms: round(percentile(liveHandle, 50)),
        liveHandlerP99Ms: round(percentile(liveHandle, 99)),
        cpuRatioLiveToRef: round(cpuLive / cpuRef),
        addedCpuMicrosPerPing: round((cpuLive - cpuRef) * 1000, 0),
        refusedPings: ref.refused + live.refused,
        failedPings: ref.failed + live.failed,
        pushesDue: dueWindows.size,
        pushesReceived: latencies.length,
        ridesMissingAPush: ridesMissing,
        ridesWithMoreThanOnePushPerSecond: overOnePerWindow,
        pushP50Ms: round(percentile(latencies, 50)),
        pushP99Ms: round(percentile(latencies, 99)),
        pushMaxMs: round(Math.max(...latencies), 1),
        publishToSocketWriteP50Ms: round(publishToWriteP50),
        publishToSocketWriteP99Ms: round(publishToWriteP99),
        notifierCpuMicrosPerPush: round((live.notifierCpuMs / Math.max(1, latencies.length)) * 1000, 0),
        notifierCpuMicrosPerPingRef: round((ref.notifierCpuMs / Math.max(1, refPings)) * 1000, 0),
        socketsClosed: live.closedUnexpectedly + ref.closedUnexpectedly,
        machineLoadAvg1m: round(loadavg()[0]!),
      },
      targets: {
        rides: '1000',
        pushP99Ms: '< 50',
        ridesMissingAPush: '= 0',
        ridesWithMoreThanOnePushPerSecond: '= 0',
        failedPings: '= 0',
      },
      notes:
        `Ping path in-process (tracking's location handle with its real Redis and MongoDB stores, no HTTP/auth) in its own process; notifier and ${N} rider sockets in two more. ` +
        `Reference = the same drivers' pings with no active ride (no live position). Latency from just before the ping's handler to the rider's socket (CLOCK_MONOTONIC). ` +
        `${WARMUP_S} s warm-up of each path, then ${ROUNDS} × (reference ${SECONDS} s, live ${SECONDS} s) at 1 ping/s per driver, staggered; LOCATION_MIN_INTERVAL_MS=900.`,
    };
  } finally {
    client.kill('SIGKILL');
    notifier.kill('SIGTERM');
    await new Promise((r) => notifier.once('exit', r));
    // It removes its Redis keys and MongoDB database, then exits.
    const exited = new Promise((r) => (pinger.exitCode !== null ? r(null) : pinger.once('exit', r)));
    pinger.send({ cmd: 'close' });
    await exited;
  }
}
