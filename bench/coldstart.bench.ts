/**
 * Cold start of EVERY function bundle as Knative starts it: `node dist/functions/<fn>.mjs`
 * (NODE_OPTIONS=--enable-source-maps, PORT, environment only), each next to a bare
 * `node:http` server started the same way just before it, so that the machine's state at
 * that moment is in the reference.
 *
 *   npm run bench -- coldstart          (COLDSTART_RUNS=5, COLDSTART_ONLY=a,b)
 *
 * Per function and round, in a shuffled order, three fresh processes:
 *   bare     a bare node:http server: spawn → first answer;
 *   bundle   the function: spawn → first 200 from /health/liveness, which touches no store
 *            ("ready"), then the first 200 from /health/readiness, which opens and pings
 *            every store the catalog declares for it ("stores"); the stores' first
 *            connection is counted separately so;
 *   no maps  the same bundle without --enable-source-maps: what loading its source map costs;
 *   eager    (functions with a store) the bundle built with its drivers inside and evaluated
 *            at load, as before the lazy stand-ins (build option eagerDrivers): what they save.
 * Figures are medians over rounds of the paired differences (bundle − bare of the same
 * round), in wall time and in CPU time of the process until ready (/proc/<pid>/schedstat:
 * on a shared machine the CPU figures move far less with the load than the wall ones).
 * Target: ready within 60 ms of bare Node. Writes bench/results/coldstart.json with one row
 * per function.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { build, BUDGET_BYTES } from '../scripts/build.js';
import { startBundle, http } from '../scripts/deploy/spawn-bundle.js';
import { generateKeyPairPem } from '../platform/auth/keys.js';
import { catalog } from '../contracts/catalog.js';
import { median, type BenchResult } from './lib.js';

const RUNS = Number(process.env.COLDSTART_RUNS ?? 5);
const ONLY = process.env.COLDSTART_ONLY?.split(',').filter(Boolean);
const TARGET_OVER_BARE_MS = 60;
const round1 = (n: number) => Math.round(n * 10) / 10;

function shuffled<T>(xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

interface Samples {
  bare: number[];
  ready: number[];
  stores: number[];
  noMaps: number[];
  eager: number[];
  bareCpu: number[];
  readyCpu: number[];
  noMapsCpu: number[];
  eagerCpu: number[];
}

/** startBundle, again when another process took the free port between its probe and the listen. */
async function start(...args: Parameters<typeof startBundle>): ReturnType<typeof startBundle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBundle(...args);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('EADDRINUSE')) throw err;
    }
  }
}

const cpu = (s: { readyCpuMs?: { main: number } }) => s.readyCpuMs?.main ?? Number.NaN;

export default async function coldstart(): Promise<BenchResult[]> {
  const out = mkdtempSync(join(tmpdir(), 'microride-coldstart-'));
  try {
    const names = (ONLY ?? catalog.map((f) => f.name)).filter((n) => catalog.some((f) => f.name === n));
    const bundles = await build({ outdir: out, only: names, notifier: false, jobs: false });
    const withDrivers = names.filter((n) => catalog.find((f) => f.name === n)!.stores.length > 0);
    if (withDrivers.length) await build({ outdir: join(out, 'eager'), only: withDrivers, notifier: false, jobs: false, eagerDrivers: true });
    const keys = generateKeyPairPem();
    const prefix = `cs${randomBytes(3).toString('hex')}_`;
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
      MONGO_DB: `${prefix}coldstart`,
      PG_SCHEMA_PREFIX: prefix,
      REDIS_PREFIX: `${prefix}:`,
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
      QUOTE_SECRET: randomBytes(24).toString('hex'),
      SCRYPT_LOG_N: '10',
    };
    const bare = join(out, 'bare.mjs');
    writeFileSync(bare, "import { createServer } from 'node:http';\ncreateServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{}'); }).listen(Number(process.env.PORT));\n");

    const samples = new Map<string, Samples>(names.map((n) => [n, { bare: [], ready: [], stores: [], noMaps: [], eager: [], bareCpu: [], readyCpu: [], noMapsCpu: [], eagerCpu: [] }]));
    const loads: number[] = [loadavg()[0]!];
    for (let r = 0; r < RUNS; r++) {
      for (const name of shuffled(names)) {
        const s = samples.get(name)!;
        const file = join(out, 'functions', `${name}.mjs`);
        const b = await start(bare, {}, { readyPath: '/' });
        s.bare.push(b.readyMs);
        s.bareCpu.push(cpu(b));
        await b.stop();

        const f = await start(file, env, { readyPath: '/health/liveness' });
        const t = performance.now();
        const ready = await http(`${f.url}/health/readiness`);
        const stores = f.readyMs + (performance.now() - t);
        await f.stop();
        if (ready.status !== 200) throw new Error(`${name}: /health/readiness → ${ready.status}: ${ready.body}`);
        s.ready.push(f.readyMs);
        s.readyCpu.push(cpu(f));
        s.stores.push(stores);

        const n = await start(file, { ...env, NODE_OPTIONS: '' }, { readyPath: '/health/liveness' });
        s.noMaps.push(n.readyMs);
        s.noMapsCpu.push(cpu(n));
        await n.stop();

        if (withDrivers.includes(name)) {
          const e = await start(join(out, 'eager', 'functions', `${name}.mjs`), env, { readyPath: '/health/liveness' });
          s.eager.push(e.readyMs);
          s.eagerCpu.push(cpu(e));
          await e.stop();
        }
      }
      loads.push(loadavg()[0]!);
      process.stderr.write(`  round ${r + 1}/${RUNS} done; load average ${loadavg()[0]!.toFixed(1)}\n`);
    }

    const pairedMedian = (a: number[], b: number[]) => median(a.map((x, i) => x - b[i]!));
    const rows = names.map((name) => {
      const s = samples.get(name)!;
      const spec = catalog.find((f) => f.name === name)!;
      const size = bundles.find((x) => x.name === name)!;
      return {
        function: name,
        stores: spec.stores.join('+') || '-',
        bundleKiB: round1(size.bytes / 1024),
        mapKiB: round1(size.mapBytes / 1024),
        bareMs: round1(median(s.bare)),
        readyMs: round1(median(s.ready)),
        readyOverBareMs: round1(pairedMedian(s.ready, s.bare)),
        storesFirstConnectionMs: round1(pairedMedian(s.stores, s.ready)),
        sourceMapsCostMs: round1(pairedMedian(s.ready, s.noMaps)),
        noMapsOverBareMs: round1(pairedMedian(s.noMaps, s.bare)),
        bareCpuMs: round1(median(s.bareCpu)),
        readyCpuMs: round1(median(s.readyCpu)),
        readyCpuOverBareMs: round1(pairedMedian(s.readyCpu, s.bareCpu)),
        sourceMapsCpuMs: round1(pairedMedian(s.readyCpu, s.noMapsCpu)),
        lazyDriversSaveMs: s.eager.length ? round1(pairedMedian(s.eager, s.ready)) : '-',
        lazyDriversSaveCpuMs: s.eager.length ? round1(pairedMedian(s.eagerCpu, s.readyCpu)) : '-',
      };
    });
    rows.sort((a, b) => b.readyCpuOverBareMs - a.readyCpuOverBareMs);
    const cols = ['bundleKiB', 'bareMs', 'readyMs', 'readyOverBareMs', 'storesFirstConnectionMs', 'sourceMapsCostMs', 'bareCpuMs', 'readyCpuOverBareMs', 'sourceMapsCpuMs', 'lazyDriversSaveMs', 'lazyDriversSaveCpuMs'] as const;
    process.stderr.write(`\n  ${'function'.padEnd(28)} ${cols.map((c) => c.replace(/Ms$/, '').slice(0, 12).padStart(12)).join(' ')}\n`);
    for (const x of rows) process.stderr.write(`  ${x.function.padEnd(28)} ${cols.map((c) => String(x[c]).padStart(12)).join(' ')}\n`);
    const over = rows.map((x) => x.readyOverBareMs);
    const load = `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
    return [{
      name: 'coldstart',
      figures: {
        functions: rows.length,
        withinTargetOfBare: rows.filter((x) => x.readyOverBareMs <= TARGET_OVER_BARE_MS).length,
        readyOverBareMedianMs: round1(median(over)),
        readyCpuOverBareMedianMs: round1(median(rows.map((x) => x.readyCpuOverBareMs))),
        readyCpuOverBareWorstMs: round1(Math.max(...rows.map((x) => x.readyCpuOverBareMs))),
        bareNodeCpuMedianMs: round1(median(rows.map((x) => x.bareCpuMs))),
        sourceMapsCpuMedianMs: round1(median(rows.map((x) => x.sourceMapsCpuMs))),
        lazyDriversSaveCpuMedianMs: round1(median(rows.flatMap((x) => (typeof x.lazyDriversSaveCpuMs === 'number' ? [x.lazyDriversSaveCpuMs] : [])))),
        lazyDriversSaveMedianMs: round1(median(rows.flatMap((x) => (typeof x.lazyDriversSaveMs === 'number' ? [x.lazyDriversSaveMs] : [])))),
        readyOverBareWorstMs: round1(Math.max(...over)),
        worstFunction: rows[0]!.function,
        bareNodeHttpReadyMedianMs: round1(median(rows.map((x) => x.bareMs))),
        storesFirstConnectionMedianMs: round1(median(rows.map((x) => x.storesFirstConnectionMs))),
        sourceMapsCostMedianMs: round1(median(rows.map((x) => x.sourceMapsCostMs))),
        biggestBundleKiB: Math.max(...rows.map((x) => x.bundleKiB)),
        loadAverage1m: load,
        runs: RUNS,
      },
      targets: { readyOverBareWorstMs: `<= ${TARGET_OVER_BARE_MS}`, biggestBundleKiB: `< ${BUDGET_BYTES / 1024}` },
      rows,
      notes: `node ${process.version}; each bundle run as dist/functions/<fn>.mjs with NODE_OPTIONS=--enable-source-maps; per round and function (shuffled order) a bare node:http server, the bundle, and the bundle without source maps, one after the other. ready = spawn → first 200 from /health/liveness (no store; polled every 2 ms); storesFirstConnectionMs = the first /health/readiness after that (opens and pings the declared stores, local PostgreSQL/Redis/FerretDB); readyOverBareMs, sourceMapsCostMs, lazyDriversSave*: medians of the paired differences within a round; *Cpu*: the process's main-thread CPU time until ready (/proc/<pid>/schedstat), which moves far less with the machine's load than wall time; eager = the same function built with eagerDrivers (store drivers and the CloudEvents SDK inside the bundle, evaluated at load). 2 shared cores; load average ${load} over the run.`,
    }];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
