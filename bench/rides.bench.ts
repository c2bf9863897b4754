/**
 * Rides benchmark (`npm run bench -- rides`): a closed-loop simulation on the local
 * platform with the real broker. N drivers wait online in one city; N riders each
 * quote → request → wait for the trip to end → repeat. Every rider and driver holds a
 * websocket to the notifier, as the apps do, and learns about offers and acceptances
 * there. An offer is taken by the first offered driver whose socket gets it while idle
 * (one accept per offer round: busy drivers keep it for later); that driver accepts,
 * arrives, starts and completes at once; a rider pauses 0–2×BENCH_RIDES_THINK_MS (mean
 * 0.5 s) between rides.
 *
 * Measured over a window after a warm-up:
 *   - completed rides per second (full lifecycles: request → … → completed);
 *   - offer latency: from just before POST /rides to ride.offered arriving on the first
 *     offered driver's websocket;
 *   - accept latency: from just before POST /accept to ride.accepted arriving on the
 *     rider's or the driver's websocket, whichever is first.
 * Also: the CPU the whole machine spends per ride outside the load generator (/proc/stat),
 * which says how far any tuning of latency can take throughput on this machine.
 * The platform runs in a child process (bench/rides-stack.ts); password hashing is cheap
 * there (SCRYPT_LOG_N=10) so signing up 2N users does not eat the run.
 *
 * Knobs: BENCH_RIDES_ACTORS (200), BENCH_RIDES_LIGHT (3), BENCH_RIDES_LIGHT_SECONDS (90),
 * BENCH_RIDES_THINK_MS (500),
 * BENCH_RIDES_WARMUP / _SECONDS / _WINDOWS (10 / 10 / 3; the first 10 s after the load starts run ~10 % slower); BENCH_CPU_PROF=1 writes a CPU
 * profile of the platform to /tmp/prof (main threads only, on a wall clock); BENCH_CPU_KINDS=1
 * samples every thread with perf over the windows and says what each group's CPU went to
 * (bench/cpu-kinds.ts); BENCH_NODE_FLAGS adds Node/V8 flags to the platform's processes;
 * BENCH_DEBUG=1 prints the platform's last output; BENCH_PLATFORM_LOG=<file> keeps all of
 * it (with BENCH_NODE_FLAGS=--trace-gc, read it with `tsx bench/gc-pauses.ts <file>`).
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import WebSocket from 'ws';
import { median, percentile, type BenchResult } from './lib.js';
import { cpuByProcess, machineCpu, perUnit, storesAndNode, type CpuByGroup } from './process-cpu.js';
import { startSyscallCount, totalCrossings, type CrossingsByGroup } from './syscalls.js';
import { CPU_KINDS_NODE_FLAGS, cpuKindsWanted, startCpuKindSampler, NO_JS, type CpuKinds } from './cpu-kinds.js';
import { countsPer, readStoreCounters, type StoreCounts } from './store-counters.js';

const N = Number(process.env.BENCH_RIDES_ACTORS ?? 200);
const WARMUP_S = Number(process.env.BENCH_RIDES_WARMUP ?? 10);
const WINDOW_S = Number(process.env.BENCH_RIDES_SECONDS ?? 10);
/** The light phase is one longer window: at ~5 rides/s a p99 needs a few hundred offers to mean anything. */
const LIGHT_S = Number(process.env.BENCH_RIDES_LIGHT_SECONDS ?? 90);
const WINDOWS = Number(process.env.BENCH_RIDES_WINDOWS ?? 3);
/** Mean pause of a rider between two rides (uniform 0..2×), so requests do not all wait on drivers still finishing the last trip. */
const THINK_MS = Number(process.env.BENCH_RIDES_THINK_MS ?? 500);
/**
 * Riders active in the light-load phase, which measures latency when nothing queues: with
 * the notifier and 400 sockets in the loop, 10 riders already keep this machine ~85 % busy,
 * 3 about 35 % (lightMachineBusyPct reports it).
 */
const LIGHT = Number(process.env.BENCH_RIDES_LIGHT ?? 3);
const CITY = { lat: 52.52, lon: 13.405 };
/** Drivers and pickups spread over a square this wide (metres). */
const SPREAD_M = 6_000;

const now = () => performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`  ${line}\n`);

const around = (dxM: number, dyM: number) => ({
  lat: CITY.lat + dyM / 111_320,
  lon: CITY.lon + dxM / (111_320 * Math.cos((CITY.lat * Math.PI) / 180)),
});
const randomPoint = () => around((Math.random() - 0.5) * SPREAD_M, (Math.random() - 0.5) * SPREAD_M);
/** Equirectangular distance: plenty for points a few km apart. */
const metresBetween = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) =>
  Math.hypot((b.lat - a.lat) * 111_320, (b.lon - a.lon) * 111_320 * Math.cos((CITY.lat * Math.PI) / 180));

interface Api {
  (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

/**
 * The apps' HTTP client: node:http over keep-alive sockets rather than fetch, which costs
 * several times the CPU per request — and the load generator shares the machine with the
 * platform it measures.
 */
function apiOf(base: string): Api {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const { hostname, port } = new URL(base);
  return (method, path, token, body) =>
    new Promise((resolve, reject) => {
      const payload = body !== undefined ? JSON.stringify(body) : undefined;
      const headers: Record<string, string> = {};
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      if (token) headers.authorization = `Bearer ${token}`;
      const req = http.request({ hostname, port, path, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
}

async function signUp(api: Api, role: 'rider' | 'driver', i: number, run: string): Promise<{ id: string; token: string }> {
  const email = `bench-${run}-${role}-${i}@example.test`;
  const password = 'benchmark password';
  const reg = await api('POST', '/api/v1/auth/register', undefined, { email, password, name: `${role} ${i}`, role });
  if (reg.status !== 201) throw new Error(`register ${role} ${i}: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await api('POST', '/api/v1/auth/login', undefined, { email, password });
  if (login.status !== 200) throw new Error(`login ${role} ${i}: ${login.status}`);
  return { id: (login.body.user as { id: string }).id, token: login.body.accessToken as string };
}

async function pool<T>(items: readonly T[], width: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

interface Driver {
  id: string;
  token: string;
  home: { lat: number; lon: number };
  busy: boolean;
  /** Offers received while busy: tried when the trip is over. */
  waiting: { rideId: string; riderId: string; expiresAt: number }[];
}

/** Median kernel crossings per ride over the windows that counted them, the load generator left out. */
function crossingFigures(windows: (CrossingsByGroup | undefined)[]): Record<string, number> {
  const counted = windows.filter((w): w is CrossingsByGroup => w !== undefined);
  if (counted.length === 0) return {};
  const platform = counted.map((w) => totalCrossings(Object.fromEntries(Object.entries(w).filter(([g]) => g !== 'load generator'))));
  return {
    syscallsPerRide: Math.round(median(platform.map((t) => t.syscalls))),
    contextSwitchesPerRide: Math.round(median(platform.map((t) => t.switches))),
  };
}

/** An event's `time` (wall clock, this machine) on performance.now()'s scale; NaN without one. */
const onOurClock = (at: string | undefined): number => (at ? Date.parse(at) - performance.timeOrigin : NaN);

/** BENCH_CPU_KINDS=1: each group's CPU by kind over all the windows, as `cpuPct (<group>: <kind>)`. */
function kindFigures(sampled: CpuKinds | undefined): Record<string, number> {
  if (!sampled) return {};
  return Object.fromEntries(Object.entries(sampled.kinds).flatMap(([group, shares]) => Object.entries(shares).map(([kind, pct]) => [`cpuPct (${group}: ${kind})`, pct])));
}

export default async function ridesBench(): Promise<BenchResult> {
  const run = randomBytes(3).toString('hex');
  /** What the apps do with a notification: type → (data, user whose socket got it). */
  const handlers = new Map<string, (data: Record<string, unknown>, userId: string, at: string | undefined) => void>();
  const sockets: WebSocket[] = [];
  let socketsLost = 0;
  /** Set when the run winds down, so the sockets closed on purpose are not counted as lost. */
  let stopping = false;

  // ── the platform, in its own process ──────────────────────────────────────────────
  const id = `bench${run}`;
  const nodeFlags = [
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
    // e.g. V8 heap flags to try on the platform (its cluster workers inherit them)
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
    ...(cpuKindsWanted() ? CPU_KINDS_NODE_FLAGS : []),
  ];
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'bench/rides-stack.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PG_SCHEMA_PREFIX: `${id}_`,
      REDIS_PREFIX: `${id}:`,
      MONGO_DB: id,
      BROKER_PREFIX: `${id}.`,
      SCRYPT_LOG_N: '10',
      LOGIN_RATE_LIMIT: '1000000',
      // 2N sign-ups from one address and a quote per ride; the checks still run (and cost
      // their Redis round trip), they just never refuse. Location pings keep the production
      // interval: the refresher's rare second ping within 1 s is answered 429 and ignored.
      REGISTER_RATE_LIMIT: '1000000',
      QUOTE_RATE_LIMIT: '1000000',
      PG_POOL_MAX: process.env.PG_POOL_MAX ?? '20',
      // Nobody near right now (every driver busy) is the normal case in a closed loop with
      // as many riders as drivers: look again soon, on a tick every 0.5 s.
      MATCHING_RETRY_SECONDS: '0.2',
      BENCH_TICK_SCALE: '0.1',
      // Drivers complete at once here, so there is never a trace to measure; the fallback
      // to the quoted distance should not wait long on a tracking service behind on events.
      TRACKING_TIMEOUT_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Whatever ends this process (an uncaught error included), the platform goes with it:
  // a stack left running would take CPU from every later run.
  const killPlatform = () => child.kill('SIGTERM');
  process.once('exit', killPlatform);
  let out = '';
  if (process.env.BENCH_PLATFORM_LOG) child.stdout!.pipe(createWriteStream(process.env.BENCH_PLATFORM_LOG));
  const [url, wsUrl] = await new Promise<[string, string]>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += String(c);
      const m = /rides stack up: (\S+) (\S+)/.exec(out);
      if (m?.[1] && m[2]) resolve([m[1], m[2]]);
    });
    child.once('exit', (code) => reject(new Error(`rides stack exited (${code}) before it was up:\n${out}`)));
  });
  const api = apiOf(url);

  try {
    // ── actors ──────────────────────────────────────────────────────────────────────
    log(`signing up ${N} drivers and ${N} riders`);
    const drivers: Driver[] = [];
    await pool(Array.from({ length: N }), 16, async (_x, i) => {
      const u = await signUp(api, 'driver', i, run);
      const plate = `B${run.toUpperCase()}${i}`.slice(0, 10);
      const p = await api('POST', '/api/v1/drivers', u.token, { licenseNumber: `LIC-${i}-0000`, vehicle: { make: 'Toyota', model: 'Prius', plate, class: 'economy', seats: 4 } });
      if (p.status !== 201) throw new Error(`driver profile ${i}: ${p.status} ${JSON.stringify(p.body)}`);
      const on = await api('PUT', '/api/v1/drivers/me/availability', u.token, { status: 'online' });
      if (on.status !== 200) throw new Error(`online ${i}: ${on.status}`);
      drivers.push({ ...u, home: randomPoint(), busy: false, waiting: [] });
    });
    const riders: { id: string; token: string }[] = [];
    await pool(Array.from({ length: N }), 16, async (_x, i) => {
      riders.push(await signUp(api, 'rider', i, run));
    });
    const byId = new Map(drivers.map((d) => [d.id, d]));
    await pool(drivers, 16, async (d) => {
      await api('POST', '/api/v1/drivers/me/location', d.token, d.home);
    });

    // ── every app connects to the notifier ──────────────────────────────────────────
    const connect = (userId: string, token: string) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, ['bearer', token], { perMessageDeflate: false });
        ws.on('message', (raw) => {
          const msg = JSON.parse(String(raw)) as { type: string; data: Record<string, unknown>; at?: string };
          handlers.get(msg.type)?.(msg.data, userId, msg.at);
        });
        ws.once('open', () => {
          sockets.push(ws);
          ws.on('close', (code) => {
            if (stopping) return;
            socketsLost += 1;
            log(`websocket of ${userId} closed (${code})`);
          });
          resolve();
        });
        ws.once('error', reject);
      });
    await pool([...drivers, ...riders], 32, (u) => connect(u.id, u.token));
    log(`${sockets.length} websockets to the notifier`);

    // ── measurement state ───────────────────────────────────────────────────────────
    let measuring = false;
    const offerMs: number[] = [];
    // The offer latency split at the ride.offered event's time (set where rides creates it,
    // on this machine's clock): request → event, and event → the driver's socket. The first
    // part split again at the ride.requested event's time (rides stamps it just before the
    // statement that stores the ride; the rider's socket gets the event): the API call up to
    // there, then the broker path (commit, publish, matching, its reply, the offer round).
    const toEventMs: number[] = [];
    const eventToSocketMs: number[] = [];
    const toRequestedMs: number[] = [];
    const requestedToOfferedMs: number[] = [];
    const requestedEventAt = new Map<string, number>(); // rideId → ride.requested's time
    const acceptMs: number[] = [];
    let completed = 0;
    let failures = 0;
    const requestedAt = new Map<string, number>(); // riderId → t before POST /rides
    const offeredRides = new Set<string>();
    const acceptSentAt = new Map<string, number>(); // rideId → t before POST /accept
    const finished = new Map<string, () => void>(); // rideId → wake the rider
    let acceptRetries = 0;
    /** What the 503s said, by detail: a driver card that could not be read, or a store the function could not reach. */
    const retryReasons = new Map<string, number>();

    const riderTokens = new Map(riders.map((r) => [r.id, r.token]));
    /** The rider's app shows the pickup code (their ride detail); the rider tells the driver. */
    const pickupCodeOf = async (rideId: string, riderId: string): Promise<string> => {
      const r = await api('GET', `/api/v1/rides/${rideId}`, riderTokens.get(riderId) ?? '');
      const code = (r.body as { pickupCode?: unknown }).pickupCode;
      if (r.status !== 200 || typeof code !== 'string') throw new Error(`pickup code: ${r.status} ${JSON.stringify(r.body)}`);
      return code;
    };

    const drive = async (d: Driver, rideId: string, riderId: string): Promise<boolean> => {
      acceptSentAt.set(rideId, now());
      let acc = await api('POST', `/api/v1/rides/${rideId}/accept`, d.token);
      // 503: the driver card could not be read in time; the offer stands and the app taps
      // again after Retry-After (as documented), at most twice.
      for (let again = 0; acc.status === 503 && again < 2; again++) {
        acceptRetries += 1;
        const why = String((acc.body as { detail?: unknown }).detail);
        retryReasons.set(why, (retryReasons.get(why) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1_000));
        acc = await api('POST', `/api/v1/rides/${rideId}/accept`, d.token);
      }
      if (acc.status !== 200) {
        acceptSentAt.delete(rideId);
        return false;
      }
      const pickupCode = await pickupCodeOf(rideId, riderId);
      for (const step of ['arrived', 'start', 'complete']) {
        const r = await api('POST', `/api/v1/rides/${rideId}/${step}`, d.token, step === 'start' ? { pickupCode } : undefined);
        if (r.status !== 200) throw new Error(`${step}: ${r.status} ${JSON.stringify(r.body)}`);
      }
      if (measuring) completed += 1;
      finished.get(rideId)?.();
      return true;
    };

    const work = async (d: Driver, rideId: string, riderId: string) => {
      d.busy = true;
      try {
        await drive(d, rideId, riderId);
        // Offers that came in meanwhile, newest first, while they still stand.
        while (!stopping) {
          const next = d.waiting.pop();
          if (!next) break;
          if (next.expiresAt > Date.now()) await drive(d, next.rideId, next.riderId);
        }
      } catch (err) {
        failures += 1;
        log(`driver ${d.id}: ${(err as Error).message}`);
      } finally {
        d.busy = false;
        d.waiting = [];
      }
    };

    // Each offered driver's socket gets the offer (the notifier leaves out who else was asked).
    const takenRounds = new Set<string>();
    handlers.set('microride.ride.offered', (data, userId, at) => {
      const rideId = data.rideId as string;
      const t = now();
      if (!offeredRides.has(rideId)) {
        offeredRides.add(rideId);
        // Taken on every first offer, timed or not: rides offered between windows must not pile up.
        const requested = requestedEventAt.get(rideId);
        requestedEventAt.delete(rideId);
        const sent = requestedAt.get(data.riderId as string);
        if (sent !== undefined && measuring) {
          offerMs.push(t - sent);
          const created = onOurClock(at);
          if (Number.isFinite(created)) {
            toEventMs.push(created - sent);
            eventToSocketMs.push(t - created);
            if (requested !== undefined) {
              toRequestedMs.push(requested - sent);
              requestedToOfferedMs.push(created - requested);
            }
          }
        }
      }
      const d = byId.get(userId);
      const round = `${rideId} ${String(data.round)}`;
      if (!d || takenRounds.has(round)) return;
      if (!d.busy) {
        takenRounds.add(round);
        void work(d, rideId, data.riderId as string);
      } else {
        d.waiting.push({ rideId, riderId: data.riderId as string, expiresAt: Date.parse(data.expiresAt as string) });
      }
    });
    handlers.set('microride.ride.requested', (data, _userId, at) => {
      const created = onOurClock(at);
      if (Number.isFinite(created)) requestedEventAt.set(data.rideId as string, created);
    });
    handlers.set('microride.ride.accepted', (data) => {
      const rideId = data.rideId as string;
      const sent = acceptSentAt.get(rideId);
      if (sent === undefined) return;
      acceptSentAt.delete(rideId); // the rider's and the driver's sockets both get it: count the first
      if (measuring) acceptMs.push(now() - sent);
    });

    let activeRiders = LIGHT;
    const riderLoop = async (r: { id: string; token: string }, i: number) => {
      while (!stopping) {
        if (i >= activeRiders) {
          await sleep(50);
          continue;
        }
        const pickup = randomPoint();
        // The platform refuses trips under 50 m (422), rightly: draw again until it is a trip.
        let dropoff = randomPoint();
        while (metresBetween(pickup, dropoff) < 200) dropoff = randomPoint();
        const q = await api('POST', '/api/v1/quotes', r.token, { pickup, dropoff, vehicleClass: 'economy' });
        if (q.status !== 200) {
          failures += 1;
          log(`quote: ${q.status} ${JSON.stringify(q.body)}`);
          await sleep(100);
          continue;
        }
        requestedAt.set(r.id, now());
        const ride = await api('POST', '/api/v1/rides', r.token, { quoteId: q.body.quoteId });
        if (ride.status !== 201) {
          failures += 1;
          log(`request: ${ride.status} ${JSON.stringify(ride.body)}`);
          await sleep(100);
          continue;
        }
        const rideId = ride.body.id as string;
        const done = new Promise<boolean>((resolve) => {
          finished.set(rideId, () => resolve(true));
          setTimeout(() => resolve(false), 30_000).unref();
        });
        if (!(await done)) {
          failures += 1;
          log(`ride ${rideId} not completed within 30 s (offered: ${offeredRides.has(rideId)}); cancelling it`);
          await api('POST', `/api/v1/rides/${rideId}/cancel`, r.token);
        }
        finished.delete(rideId);
        await sleep(Math.random() * 2 * THINK_MS);
      }
    };

    // Each driver reports its position every ~10 s, at its own phase (positions go stale after 30 s).
    // Checked every 100 ms with p = 0.01, so ~2 reports per 100 ms rather than a burst of
    // ~20 each second, which made every offer that met a burst wait behind it.
    const refresher = setInterval(() => {
      for (const d of drivers) if (Math.random() < 0.01) void api('POST', '/api/v1/drivers/me/location', d.token, d.home);
    }, 100);
    interface Window { perSec: number; offers: number; offerP50: number; offerP99: number; toEventP50: number; toEventP99: number; eventToSocketP50: number; eventToSocketP99: number; toRequestedP50: number; toRequestedP99: number; requestedToOfferedP50: number; requestedToOfferedP99: number; acceptP50: number; acceptP99: number; n: number; cpuMsPerRide: number; machineBusyPct: number; byGroup: CpuByGroup; crossings: CrossingsByGroup | undefined; stores: StoreCounts }
    // Where a ride's CPU goes: the platform's processes by role, and each store.
    // Only this run's platform: a stack another run left behind must not count.
    const classify = storesAndNode((pid, cmdline, ppid) =>
      pid === process.pid
        ? 'load generator'
        : ppid === child.pid && cmdline.includes('gateway-worker')
          ? 'functions (gateway workers)'
          : pid === child.pid
            ? 'broker, relay, ticker, notifier'
            : undefined,
    );
    const measure = async (label: string, seconds = WINDOW_S): Promise<Window> => {
      const groups0 = cpuByProcess(classify);
      const syscalls = startSyscallCount(classify);
      const stores0 = await readStoreCounters();
      const cpu0 = machineCpu();
      const own0 = process.cpuUsage();
      offerMs.length = 0;
      toEventMs.length = 0;
      eventToSocketMs.length = 0;
      toRequestedMs.length = 0;
      requestedToOfferedMs.length = 0;
      acceptMs.length = 0;
      completed = 0;
      measuring = true;
      await sleep(seconds * 1000);
      measuring = false;
      const cpu1 = machineCpu();
      const own = process.cpuUsage(own0);
      const byGroup = perUnit(groups0, cpuByProcess(classify), completed);
      const crossings = await syscalls?.stop(completed);
      const stores = countsPer(stores0, await readStoreCounters(), completed);
      // Everything but this load generator: the platform, its stores and the broker.
      const platformMs = cpu1.busyMs - cpu0.busyMs - (own.user + own.system) / 1000;
      const win = {
        cpuMsPerRide: completed > 0 ? platformMs / completed : 0,
        machineBusyPct: (100 * (cpu1.busyMs - cpu0.busyMs)) / (cpu1.totalMs - cpu0.totalMs),
        perSec: completed / seconds,
        offerP50: percentile(offerMs, 50),
        offerP99: percentile(offerMs, 99),
        toEventP50: percentile(toEventMs, 50),
        toEventP99: percentile(toEventMs, 99),
        eventToSocketP50: percentile(eventToSocketMs, 50),
        eventToSocketP99: percentile(eventToSocketMs, 99),
        toRequestedP50: percentile(toRequestedMs, 50),
        toRequestedP99: percentile(toRequestedMs, 99),
        requestedToOfferedP50: percentile(requestedToOfferedMs, 50),
        requestedToOfferedP99: percentile(requestedToOfferedMs, 99),
        acceptP50: percentile(acceptMs, 50),
        acceptP99: percentile(acceptMs, 99),
        n: completed,
        offers: offerMs.length,
        byGroup,
        crossings,
        stores,
      };
      log(`${label}: ${win.perSec.toFixed(1)} rides/s, ${win.offers} offers timed, offer p50/p99 ${win.offerP50.toFixed(1)}/${win.offerP99.toFixed(1)} ms, accept→event p50/p99 ${win.acceptP50.toFixed(1)}/${win.acceptP99.toFixed(1)} ms; machine ${win.machineBusyPct.toFixed(0)} % busy, ${win.cpuMsPerRide.toFixed(1)} ms CPU per ride outside the load generator`);
      log(`  offer split at the ride.offered event's time: request → event p50/p99 ${win.toEventP50.toFixed(1)}/${win.toEventP99.toFixed(1)} ms, event → socket ${win.eventToSocketP50.toFixed(1)}/${win.eventToSocketP99.toFixed(1)} ms; request → ride.requested's time ${win.toRequestedP50.toFixed(1)}/${win.toRequestedP99.toFixed(1)} ms, ride.requested → ride.offered ${win.requestedToOfferedP50.toFixed(1)}/${win.requestedToOfferedP99.toFixed(1)} ms`);
      log(`  CPU per ride: ${Object.entries(byGroup).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}`);
      log(`  per ride: ${stores.pgTransactions.toFixed(1)} PostgreSQL transactions, ${stores.redisCommands.toFixed(1)} Redis commands`);
      if (crossings) {
        const t = totalCrossings(crossings);
        log(`  system calls / context switches per ride: ${t.syscalls.toFixed(0)} / ${t.switches.toFixed(0)} (${Object.entries(crossings).sort((a, b) => b[1].syscalls - a[1].syscalls).map(([k, v]) => `${k} ${v.syscalls.toFixed(0)}/${v.switches.toFixed(0)}`).join(', ')})`);
      }
      return win;
    };
    const loops = riders.map(riderLoop);
    log(`light load: ${LIGHT} riders, ${WARMUP_S} s warm-up, ${LIGHT_S} s measured`);
    await sleep(WARMUP_S * 1000);
    const light = await measure('light', LIGHT_S);
    activeRiders = N;
    log(`full load: ${N} riders, ${WARMUP_S} s warm-up, then ${WINDOWS} × ${WINDOW_S} s`);
    await sleep(WARMUP_S * 1000);
    const windows: Window[] = [];
    const sampler = startCpuKindSampler(classify);
    for (let w = 0; w < WINDOWS; w++) windows.push(await measure(`window ${w + 1}`));
    const kinds = await sampler?.stop();
    const byShare = (shares: Record<string, number>, top = Infinity) =>
      Object.entries(shares)
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, v]) => `${k} ${v} %`)
        .join(', ');
    if (kinds) {
      for (const [group, shares] of Object.entries(kinds.kinds)) log(`  CPU by kind, ${group}: ${byShare(shares)}`);
      // Only where JavaScript ran: the stores' stacks hold none.
      for (const [group, shares] of Object.entries(kinds.libraries)) if (group !== 'load generator' && (shares[NO_JS] ?? 0) < 100) log(`  main threads by library, ${group}: ${byShare(shares, 15)}`);
    }
    stopping = true;
    clearInterval(refresher);
    for (const [why, n] of retryReasons) log(`accept answered 503 ${n} times: ${why}`);
    for (const wake of finished.values()) wake();
    await Promise.race([Promise.all(loops), sleep(35_000)]);

    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      name: 'rides',
      figures: {
        ridesPerSec: round(median(windows.map((w) => w.perSec))),
        cpuMsPerRide: round(median(windows.map((w) => w.cpuMsPerRide))),
        machineBusyPct: round(median(windows.map((w) => w.machineBusyPct))),
        ceilingRidesPerSec: round((availableParallelism() * 1000) / median(windows.map((w) => w.cpuMsPerRide))),
        ...Object.fromEntries(
          Object.keys(windows[0]?.byGroup ?? {})
            .filter((g) => g !== 'load generator')
            .map((g) => [`cpuMsPerRide (${g})`, round(median(windows.map((w) => w.byGroup[g] ?? 0)))]),
        ),
        ...crossingFigures(windows.map((w) => w.crossings)),
        pgTransactionsPerRide: round(median(windows.map((w) => w.stores.pgTransactions))),
        redisCommandsPerRide: round(median(windows.map((w) => w.stores.redisCommands))),
        offerP50Ms: round(median(windows.map((w) => w.offerP50))),
        offerP99Ms: round(median(windows.map((w) => w.offerP99))),
        acceptToEventP50Ms: round(median(windows.map((w) => w.acceptP50))),
        acceptToEventP99Ms: round(median(windows.map((w) => w.acceptP99))),
        drivers: N,
        riders: N,
        windows: WINDOWS,
        windowSeconds: WINDOW_S,
        lightRiders: LIGHT,
        lightRidesPerSec: round(light.perSec),
        lightOffersTimed: light.offers,
        lightOfferP50Ms: round(light.offerP50),
        lightOfferP99Ms: round(light.offerP99),
        lightRequestToOfferedEventP50Ms: round(light.toEventP50),
        lightRequestToOfferedEventP99Ms: round(light.toEventP99),
        lightOfferedEventToSocketP50Ms: round(light.eventToSocketP50),
        lightOfferedEventToSocketP99Ms: round(light.eventToSocketP99),
        lightRequestToRequestedEventP50Ms: round(light.toRequestedP50),
        lightRequestToRequestedEventP99Ms: round(light.toRequestedP99),
        lightRequestedToOfferedEventP50Ms: round(light.requestedToOfferedP50),
        lightRequestedToOfferedEventP99Ms: round(light.requestedToOfferedP99),
        lightMachineBusyPct: round(light.machineBusyPct),
        lightAcceptToEventP50Ms: round(light.acceptP50),
        lightAcceptToEventP99Ms: round(light.acceptP99),
        failures,
        websocketsLost: socketsLost,
        acceptRetries,
        ...kindFigures(kinds),
      },
      targets: { ridesPerSec: '>= 100', offerP99Ms: '< 50' },
      notes:
        'Closed loop on the local platform with the real broker (RabbitMQ), PostgreSQL, Redis, FerretDB and the notifier: every rider and driver holds a websocket, offers and acceptances are timed to their arrival there. The functions in LOCAL_WORKERS gateway worker processes (default: one per core), the broker, relay and ticker in the primary. cpuMsPerRide: CPU time of the whole machine minus the load generator, per completed ride, over the full-load windows; ceilingRidesPerSec = cores × 1000 / cpuMsPerRide, what the machine could do if every core did nothing else. syscallsPerRide / contextSwitchesPerRide: counted by perf on kernel tracepoints over the same windows, all groups but the load generator (absent where perf cannot count); they compare machines whose system calls cost differently. pgTransactionsPerRide / redisCommandsPerRide: counted by PostgreSQL and Redis themselves over the same windows (bench/store-counters.ts); the floor benchmark prices the PostgreSQL one. ridesPerSec and the unprefixed latencies: N riders and N drivers, median of the windows (at saturation the latencies are queueing). light*: LIGHT riders only, latency when nothing queues.',
    };
  } finally {
    if (process.env.BENCH_DEBUG) process.stderr.write(`--- platform output (last 6 KB) ---\n${out.slice(-6_000)}\n`);
    child.kill('SIGTERM');
    await Promise.race([once(child, 'exit'), sleep(20_000)]);
    for (const ws of sockets) ws.terminate();
  }
}
