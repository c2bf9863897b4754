/**
 * What the operations console's channel costs the platform. `npm start`'s platform in a
 * child process, 200 online drivers each reporting a position every 3 s (the load of a
 * small city), and phases that alternate in the same run: the reference without any
 * console, then the same with one admin console connected to GET /ops (frames once a
 * second), A B A B. The figure is the platform's CPU (its Node processes) and Redis's
 * with the channel against the reference, as a ratio. Redis is the machine's shared one,
 * so its figure also holds whatever else ran meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { startPlatformProcess } from './platform-process.js';
import { cpuByProcess, type CpuByProcess } from './process-cpu.js';
import type { BenchResult } from './lib.js';
import { provideSettings } from '../platform/config.js';
import { closeClients } from '../platform/clients.js';
import { hashPassword } from '../functions/accounts/passwords.js';
import { insertUser, transaction } from '../functions/accounts/store.js';

const DRIVERS = Number(process.env.BENCH_DRIVERS ?? 200);
const PING_MS = 3000;
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_RUNS ?? 2);
const PASSWORD = 'benchmark password';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function call(url: string, method: string, path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function login(url: string, email: string): Promise<string> {
  const r = await call(url, 'POST', '/api/v1/auth/login', { email, password: PASSWORD });
  if (r.status !== 200) throw new Error(`login ${r.status} ${await r.text()}`);
  return ((await r.json()) as { accessToken: string }).accessToken;
}

async function onlineDriver(url: string, i: number, tag: string): Promise<string> {
  const email = `ops-bench-${tag}-${i}@example.test`;
  const reg = await call(url, 'POST', '/api/v1/auth/register', { email, password: PASSWORD, name: `Driver ${i}`, role: 'driver' });
  if (reg.status !== 201) throw new Error(`register ${reg.status} ${await reg.text()}`);
  const token = await login(url, email);
  const vehicle = { make: 'Toyota', model: 'Prius', plate: `B${tag.slice(0, 3).toUpperCase()}${i}`.slice(0, 10), class: 'economy', seats: 4 };
  const d = await call(url, 'POST', '/api/v1/drivers', { licenseNumber: `LIC-${100000 + i}`, vehicle }, token);
  if (d.status !== 201) throw new Error(`driver ${d.status} ${await d.text()}`);
  const a = await call(url, 'PUT', '/api/v1/drivers/me/availability', { status: 'online' }, token);
  if (a.status !== 200) throw new Error(`availability ${a.status} ${await a.text()}`);
  return token;
}

/** CPU (ms) per group over a phase, of the platform's processes and Redis. */
function cpuDelta(a: CpuByProcess, b: CpuByProcess): { platform: number; redis: number } {
  const out = { platform: 0, redis: 0 };
  for (const [pid, { group, ms }] of b) {
    const d = ms - (a.get(pid)?.ms ?? 0);
    if (group === 'platform') out.platform += d;
    else if (group === 'redis') out.redis += d;
  }
  return out;
}

export default async function run(): Promise<BenchResult> {
  const id = `bench${randomBytes(3).toString('hex')}`;
  const notifierPort = await freePort();
  const env = {
    PG_SCHEMA_PREFIX: `${id}_`, REDIS_PREFIX: `${id}:`, MONGO_DB: id, BROKER_PREFIX: `${id}.`,
    NOTIFIER_PORT: String(notifierPort), SCRYPT_LOG_N: '12', REGISTER_RATE_LIMIT: '100000', LOGIN_RATE_LIMIT: '100000',
  };
  const platform = await startPlatformProcess(env);
  const root = platform.child.pid ?? -1;
  const classify = (pid: number, comm: string, _cmd: string, ppid: number): string | undefined => {
    if (comm === 'redis-server') return 'redis';
    if (pid === root || ppid === root) return 'platform';
    return undefined;
  };
  provideSettings({ PG_SCHEMA_PREFIX: env.PG_SCHEMA_PREFIX, REDIS_PREFIX: env.REDIS_PREFIX, SCRYPT_LOG_N: '12' });
  let stop = false;
  try {
    process.stderr.write(`  ${DRIVERS} drivers going online…\n`);
    const tokens: string[] = [];
    for (let i = 0; i < DRIVERS; i += 10) {
      tokens.push(...(await Promise.all(Array.from({ length: Math.min(10, DRIVERS - i) }, (_, k) => onlineDriver(platform.url, i + k, id)))));
    }
    const adminEmail = `ops-bench-admin-${id}@example.test`;
    await transaction((trx) => hashPassword(PASSWORD).then((passwordHash) => insertUser(trx, { email: adminEmail, name: 'Bench admin', role: 'admin', passwordHash })));
    const adminToken = await login(platform.url, adminEmail);

    // Each driver pings every 3 s, spread evenly, wandering around the centre.
    let pings = 0;
    let failed = 0;
    const pingers = tokens.map(async (token, i) => {
      await sleep((PING_MS * i) / tokens.length);
      let lat = 52.48 + ((i * 7919) % 1000) / 1000 * 0.08;
      let lon = 13.33 + ((i * 104729) % 1000) / 1000 * 0.14;
      // On a fixed cadence (not "3 s after the answer"), so the load is 200 / 3 s whatever the latency.
      for (let due = performance.now(); !stop; due += PING_MS) {
        lat += (Math.random() - 0.5) * 0.002;
        lon += (Math.random() - 0.5) * 0.003;
        const r = await call(platform.url, 'POST', '/api/v1/drivers/me/location', { lat, lon }, token).catch(() => undefined);
        if (r?.status === 202) pings += 1;
        else failed += 1;
        await sleep(Math.max(0, due + PING_MS - performance.now()));
      }
    });

    const phase = async (withConsole: boolean) => {
      let frames = 0;
      let bytes = 0;
      let driversSeen = 0;
      let ws: WebSocket | undefined;
      if (withConsole) {
        ws = new WebSocket(`ws://127.0.0.1:${notifierPort}/ops`, ['bearer', adminToken]);
        await new Promise<void>((resolve, reject) => {
          ws!.once('open', () => resolve());
          ws!.once('unexpected-response', (_q, res) => reject(new Error(`ops channel refused: ${res.statusCode}`)));
        });
        ws.on('message', (m: Buffer) => {
          frames += 1;
          bytes += m.length;
          const f = JSON.parse(m.toString()) as { full: boolean; drivers: unknown[] };
          if (f.full) driversSeen = f.drivers.length;
        });
        await sleep(1500); // the first, full frame is not the steady state
        frames = 0;
        bytes = 0;
      }
      const p0 = pings;
      const a = cpuByProcess(classify);
      const t0 = performance.now();
      await sleep(PHASE_SECONDS * 1000);
      const b = cpuByProcess(classify);
      const seconds = (performance.now() - t0) / 1000;
      ws?.close();
      const cpu = cpuDelta(a, b);
      return { withConsole, seconds, platformMsPerS: cpu.platform / seconds, redisMsPerS: cpu.redis / seconds, pingsPerS: (pings - p0) / seconds, frames, bytes, driversSeen };
    };

    process.stderr.write(`  warm-up ${PHASE_SECONDS} s\n`);
    await phase(false);
    const results = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      for (const withConsole of [false, true]) {
        process.stderr.write(`  round ${r + 1}/${ROUNDS}: ${withConsole ? 'with one console on /ops' : 'reference, no console'} (${PHASE_SECONDS} s)\n`);
        results.push(await phase(withConsole));
      }
    }
    stop = true;
    await Promise.all(pingers);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    const ref = results.filter((x) => !x.withConsole);
    const ops = results.filter((x) => x.withConsole);
    const refPlatform = avg(ref.map((x) => x.platformMsPerS));
    const opsPlatform = avg(ops.map((x) => x.platformMsPerS));
    const refRedis = avg(ref.map((x) => x.redisMsPerS));
    const opsRedis = avg(ops.map((x) => x.redisMsPerS));
    const frames = ops.reduce((s, x) => s + x.frames, 0);
    const bytes = ops.reduce((s, x) => s + x.bytes, 0);
    const round1 = (v: number) => Math.round(v * 10) / 10;
    return {
      name: 'ops-channel',
      figures: {
        drivers: DRIVERS,
        pingsPerSecond: round1(avg(results.map((x) => x.pingsPerS))),
        failedPings: failed,
        platformCpuPctOfCoreReference: round1(refPlatform / 10),
        platformCpuPctOfCoreWithConsole: round1(opsPlatform / 10),
        platformCpuRatio: Math.round((opsPlatform / refPlatform) * 1000) / 1000,
        platformCpuIncreasePct: round1(((opsPlatform - refPlatform) / refPlatform) * 100),
        redisCpuPctOfCoreReference: round1(refRedis / 10),
        redisCpuPctOfCoreWithConsole: round1(opsRedis / 10),
        framesPerSecond: round1(frames / ops.reduce((s, x) => s + x.seconds, 0)),
        bytesPerFrame: Math.round(bytes / Math.max(1, frames)),
        driversInFullFrame: Math.max(...ops.map((x) => x.driversSeen)),
      },
      targets: { platformCpuIncreasePct: '< 5', framesPerSecond: '>= 1' },
      notes: `${DRIVERS} drivers pinging every ${PING_MS / 1000} s through the gateway; ${ROUNDS} × (reference ${PHASE_SECONDS} s, one console ${PHASE_SECONDS} s) alternating in one run after a ${PHASE_SECONDS} s warm-up; CPU from /proc of the platform's processes (npm start: gateway workers + notifier + broker) and of the shared redis-server`,
    };
  } finally {
    stop = true;
    await platform.stop();
    await closeClients();
  }
}
