/**
 * `npm run bench -- scale [--quick]`: what each hot path costs as the work grows.
 *   matching  ride.requested → offer decided, by online drivers in the city (scale-matching.ts)
 *   history   GET /api/v1/rides first and deep page, by rows in the rides table (scale-history.ts)
 *   tracking  /track and the location ping, by stored samples (track-scale.bench.ts, reused)
 *   notifier  RSS per idle socket and push latency, by open sockets (notifier.bench.ts, reused)
 *   broker    events/s by parallelism and p99 by offered rate, 1 KiB payloads (broker.bench.ts, reused)
 *   ride      the whole ride beside them, same sitting: rides/s, CPU per ride, the plumbing floor
 *             and rideCpuOverFloor, light-load offer p99 (rides.bench.ts, then floor.bench.ts)
 * Each part runs in a child process (scale-part.ts) with its sizes in the environment.
 * Quick mode (--quick or BENCH_QUICK=1) measures CI-sized curves in under three minutes; the
 * full mode the sizes the targets name. One result, bench/results/scale.json, with figures
 * `<path>.<metric>@<size>`, from which docs/scale/*.svg and docs/scale/table.md are drawn.
 *
 * A size this machine cannot hold is not measured: listed in EXTRAPOLATE, it is estimated
 * from the measured points (least squares on log size) and marked (`~`, ≈, hollow).
 */
import { execSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeScaleDocs } from './scale-chart.js';
import type { BenchResult } from './lib.js';
import type { MatchingPoint } from './scale-matching.js';
import type { HistoryPoint } from './scale-history.js';

const quick = process.env.BENCH_QUICK === '1';
const log = (line: string) => process.stderr.write(`  ${line}\n`);
const list = (v: string | undefined, d: number[]) => (v ? v.split(',').map(Number) : d);

const MATCHING_DRIVERS = list(process.env.SCALE_MATCHING_DRIVERS, [1_000, 10_000, 50_000]);
/** Of them within the first search radius (2 km), size by size. */
const MATCHING_NEARBY = list(process.env.SCALE_MATCHING_NEARBY, [10, 100, 1_000]);
const HISTORY_ROWS = list(process.env.SCALE_HISTORY_ROWS, quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]);
/** Each tracking run measures at 10 % and at 100 % of its total. */
const TRACK_TOTALS = list(process.env.SCALE_TRACK_DOCS, quick ? [50_000] : [100_000, 1_000_000]);
const NOTIFIER_SOCKETS = list(process.env.SCALE_NOTIFIER_SOCKETS, quick ? [1_000, 4_000] : [10_000, 25_000, 50_000]);
const BROKER_PARALLELISMS = list(process.env.SCALE_BROKER_PARALLELISMS, [1, 16, 64]);
/** Sizes the targets name; estimated when a run could not measure them. */
const EXTRAPOLATE: Record<string, number[]> = {
  'history.firstP99Ms': [1_000_000],
  'history.deepP99Ms': [1_000_000],
  'tracking.trackP99Ms': [1_000_000],
  'notifier.rssPerSocketKiB': [25_000, 50_000],
  'notifier.pushP99Ms': [25_000, 50_000],
};

/** Runs one part in its own process; returns what it wrote to SCALE_OUT. */
async function part<T>(name: string, env: Record<string, string>): Promise<{ value: T; load: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  const out = join(dir, 'out.json');
  const load = Math.round(loadavg()[0]! * 10) / 10;
  const args = ['--import', 'tsx', ...(process.env.SCALE_NODE_ARGS ?? '').split(' ').filter(Boolean), 'bench/scale-part.ts', name];
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, LOG_LEVEL: 'warn', ...env, SCALE_OUT: out }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`scale part ${name} exited with ${code}`);
    return { value: JSON.parse(readFileSync(out, 'utf8')) as T, load };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Least squares of value on log10(size): the estimate at `size`. */
export function extrapolate(points: readonly { size: number; value: number }[], size: number): number {
  const xs = points.map((p) => Math.log10(p.size));
  const ys = points.map((p) => p.value);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  // A cost that fell with size in the measured points is noise, not a trend: held flat.
  const slope = sxx === 0 ? 0 : Math.max(0, xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / sxx);
  return Math.round((my + slope * (Math.log10(size) - mx)) * 100) / 100;
}

type Figures = Record<string, number | string>;

async function matching(f: Figures): Promise<void> {
  const { value, load } = await part<MatchingPoint[]>('matching', { SCALE_SIZES: MATCHING_DRIVERS.join(','), SCALE_NEARBY: MATCHING_NEARBY.join(','), SCALE_READS: quick ? '200' : '1000' });
  f['load.matching'] = load;
  for (const p of value) {
    f[`matching.refRedisPingP99Ms@${p.drivers}`] = p.refPingP99Ms;
    f[`matching.p50Ms@${p.drivers}`] = p.p50Ms;
    f[`matching.p99Ms@${p.drivers}`] = p.p99Ms;
    f[`matching.nearbyDrivers@${p.drivers}`] = p.nearby;
  }
}

async function history(f: Figures): Promise<void> {
  const { value, load } = await part<HistoryPoint[]>('history', { SCALE_SIZES: HISTORY_ROWS.join(','), SCALE_READS: quick ? '100' : '500' });
  f['load.history'] = load;
  for (const p of value) {
    f[`history.refSelect1P99Ms@${p.rows}`] = p.refSelect1P99Ms;
    f[`history.firstP50Ms@${p.rows}`] = p.firstP50Ms;
    f[`history.firstP99Ms@${p.rows}`] = p.firstP99Ms;
    f[`history.deepP99Ms@${p.rows}`] = p.deepP99Ms;
    f[`history.index@${p.rows}`] = p.firstIndex === p.deepIndex ? p.firstIndex || 'none (scan)' : `${p.firstIndex || 'scan'} / ${p.deepIndex || 'scan'}`;
  }
}

async function tracking(f: Figures): Promise<void> {
  for (const total of TRACK_TOTALS) {
    const env = { TRACK_SCALE_DOCS: String(total), TRACK_SCALE_REF_DOCS: quick ? '5000' : '10000', TRACK_SCALE_READS: quick ? '50' : '200', TRACK_SCALE_PINGS: quick ? '200' : '500' };
    const { value, load } = await part<BenchResult>('bench:track-scale', env);
    const g = value.figures;
    f[`load.tracking@${total}`] = load;
    const tenth = total / 10;
    // The smaller run's full size is measured again by the larger run at its 10 %: the larger run's figure (more data around it) wins.
    f[`tracking.readP99Ms@${tenth}`] = g.readP99MsAt10pct!;
    if (g.trackP99MsAt10pct !== undefined) f[`tracking.trackP99Ms@${tenth}`] = g.trackP99MsAt10pct;
    f[`tracking.readP99Ms@${total}`] = g.readP99Ms!;
    f[`tracking.trackP99Ms@${total}`] = g.trackP99Ms!;
    f[`tracking.trackP50Ms@${total}`] = g.trackP50Ms!;
    f[`tracking.pingP99Ms@${total}`] = g.pingP99Ms!;
    // The ping before any sample was stored: no size on the log axis, so a figure of its own.
    f['tracking.pingP99MsAtEmpty'] = g.pingP99MsAt0!;
    f[`tracking.readVsReference@${total}`] = g.readVsReference!;
  }
}

/**
 * The open files a process started from here may raise itself to (the hard limit): the
 * notifier and the load client each hold one per socket, and without the privilege to
 * raise it, that is as many sockets as this machine can measure.
 */
function openFilesLimit(): number {
  try {
    const v = Number(execSync('ulimit -Hn', { shell: '/bin/bash' }).toString().trim());
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The sizes asked for that fit under the limit, plus the largest that does when some do not. */
export function socketSizes(asked: readonly number[], limit: number): number[] {
  const cap = Math.floor((limit - 500) / 1_000) * 1_000;
  const fit = asked.filter((n) => n <= cap);
  return fit.length < asked.length && cap > (fit[fit.length - 1] ?? 0) ? [...fit, cap] : fit;
}

async function notifier(f: Figures): Promise<void> {
  const limit = openFilesLimit();
  const sizes = socketSizes(NOTIFIER_SOCKETS, limit);
  if (sizes.length < NOTIFIER_SOCKETS.length || sizes.some((n) => !NOTIFIER_SOCKETS.includes(n))) {
    f['notifier.openFilesHardLimit'] = limit;
    log(`open files: hard limit ${limit} here, which a process cannot raise without the privilege; measuring ${sizes.join(', ')} sockets, estimating the rest`);
  }
  for (const sockets of sizes) {
    const env = {
      BENCH_NOTIFIER_CONNECTIONS: String(sockets),
      BENCH_NOTIFIER_WINDOWS: quick ? '1' : '3',
      // One client address reaches ~28k sockets to one port (the ephemeral range): spread over several.
      BENCH_NOTIFIER_LOCAL_ADDRESSES: String(Math.ceil(sockets / 20_000)),
    };
    try {
      const { value, load } = await part<BenchResult>('bench:notifier', env);
      const g = value.figures;
      f[`load.notifier@${sockets}`] = load;
      f[`notifier.rssPerSocketKiB@${sockets}`] = g.rssPerIdleConnectionKiB!;
      f[`notifier.rssMarginalPerSocketKiB@${sockets}`] = g.rssMarginalPerConnectionKiB!;
      f[`notifier.pushP50Ms@${sockets}`] = g.latencyP50Ms!;
      f[`notifier.pushP99Ms@${sockets}`] = g.latencyP99Ms!;
      f[`notifier.connectFailures@${sockets}`] = g.connectFailures!;
    } catch (err) {
      log(`notifier at ${sockets} sockets: not measured (${String(err)})`);
    }
  }
}

async function broker(f: Figures): Promise<void> {
  const env = {
    BENCH_QUEUE_TYPES: 'classic',
    BENCH_PARALLELISMS: BROKER_PARALLELISMS.join(','),
    BENCH_PAYLOAD_BYTES: '1024',
    BENCH_RUNS: quick ? '1' : '3',
    BENCH_EVENTS: quick ? '2000' : '15000',
    BENCH_SECONDS: quick ? '2' : '5',
    BENCH_RATES_P1: '1000',
    BENCH_RATES_P16: '1000,3000',
    BENCH_RATES_P64: '1000,3000',
  };
  const { value, load } = await part<BenchResult[]>('bench:broker', env);
  f['load.broker'] = load;
  for (const r of value) {
    const p = Number(/-p(\d+)-/.exec(r.name)?.[1]);
    f[`broker.eventsPerSec@${p}`] = r.figures.eventsPerSec!;
    const at = (rate: number) => (r.figures.pacedRatePerSec === rate ? r.figures.p99Ms : r.figures[`p99MsAt${rate}PerSec`]);
    const at50 = (rate: number) => (r.figures.pacedRatePerSec === rate ? r.figures.p50Ms : r.figures[`p50MsAt${rate}PerSec`]);
    const key = p === 16 ? 'broker' : `broker.p${p}`;
    for (const rate of [1_000, 3_000]) {
      if (typeof at(rate) === 'number') f[`${key === 'broker' ? 'broker.p99Ms' : `${key}P99Ms`}@${rate}`] = at(rate)!;
      if (p === 16 && typeof at50(rate) === 'number') f[`broker.p50Ms@${rate}`] = at50(rate)!;
    }
  }
}

/**
 * The ride, measured in the same sitting as the curves (the figures issue #23 asks to keep
 * reporting beside them): the rides benchmark, then the floor priced with its counts.
 */
async function ride(f: Figures): Promise<void> {
  const env: Record<string, string> = quick
    ? { BENCH_RIDES_ACTORS: '50', BENCH_RIDES_WARMUP: '5', BENCH_RIDES_LIGHT_SECONDS: '15', BENCH_RIDES_WINDOWS: '1' }
    : { BENCH_RIDES_LIGHT_SECONDS: '60' };
  const rides = await part<BenchResult>('bench:rides', env);
  const dir = mkdtempSync(join(tmpdir(), 'scale-ride-'));
  try {
    const handed = join(dir, 'rides.json');
    writeFileSync(handed, JSON.stringify(rides.value));
    const floor = await part<BenchResult>('bench:floor', { BENCH_RIDES_RESULT: handed, ...(quick ? { BENCH_RUNS: '1' } : {}) });
    const r = rides.value.figures;
    const fl = floor.value.figures;
    f['load.ride'] = rides.load;
    f['ride.ridesPerSec'] = r.ridesPerSec!;
    f['ride.cpuMsPerRide'] = r.cpuMsPerRide!;
    f['ride.floorMsPerRide'] = fl.floorMsPerRide!;
    if (fl.rideCpuOverFloor !== undefined) f['ride.rideCpuOverFloor'] = fl.rideCpuOverFloor;
    f['ride.lightOfferP99Ms'] = r.lightOfferP99Ms!;
    f['ride.offerP99Ms'] = r.offerP99Ms!;
    f['ride.notCompleted'] = r.failures!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The estimate at each size the targets name that no full run measured (a quick run estimates nothing). */
function fillExtrapolations(f: Figures): void {
  if (quick) return;
  for (const [series, sizes] of Object.entries(EXTRAPOLATE)) {
    const points = Object.entries(f)
      .map(([k, v]) => ({ m: new RegExp(`^${series.replace('.', '\\.')}@(\\d+)$`).exec(k), v }))
      .filter((x): x is { m: RegExpExecArray; v: number } => x.m !== null && typeof x.v === 'number')
      .map((x) => ({ size: Number(x.m[1]), value: x.v }));
    for (const size of sizes) {
      if (points.length >= 2 && !points.some((p) => p.size === size)) f[`${series}@${size}~`] = extrapolate(points, size);
    }
  }
}

/**
 * SCALE_PARTS=matching,…: measures only those paths again and keeps the other paths'
 * figures of the last result of the same mode (their load averages say when they were taken).
 */
function previous(parts: readonly string[]): Figures {
  const file = join(process.cwd(), 'bench', 'results', `${quick ? 'scale-quick' : 'scale'}.json`);
  if (!existsSync(file)) return { mode: quick ? 'quick' : 'full' };
  const kept = (JSON.parse(readFileSync(file, 'utf8')) as BenchResult).figures;
  const redone = (k: string) => parts.some((p) => k.startsWith(`${p}.`) || k.startsWith(`load.${p}`)) || k.endsWith('~') || k === 'seconds';
  return Object.fromEntries(Object.entries(kept).filter(([k]) => !redone(k)));
}

export default async function run(): Promise<BenchResult> {
  const only = process.env.SCALE_PARTS?.split(',');
  const figures = only ? previous(only) : { mode: quick ? 'quick' : 'full' };
  const t0 = performance.now();
  const parts: [string, (f: Figures) => Promise<void>][] = [['matching', matching], ['history', history], ['tracking', tracking], ['notifier', notifier], ['broker', broker], ['ride', ride]];
  for (const [name, fn] of parts) {
    if (only && !only.includes(name)) continue;
    log(`▸ ${name}`);
    await fn(figures);
  }
  fillExtrapolations(figures);
  figures.seconds = Math.round((performance.now() - t0) / 1000);
  // The charts in docs/ show the full curves; a quick run draws its own beside its result.
  for (const file of writeScaleDocs(figures, quick ? join(process.cwd(), 'bench', 'results', 'scale-quick') : undefined)) log(`wrote ${file}`);
  return {
    name: quick ? 'scale-quick' : 'scale',
    figures,
    targets: {
      'matching.p99Ms@10000': '< 20 (and sub-linear growth)',
      'history.firstP99Ms@1000000': '< 20',
      'history.deepP99Ms@1000000': '< 20',
      'tracking.trackP99Ms@1000000': '< 50',
      'notifier.rssPerSocketKiB@50000': '<= 4',
      'notifier.pushP99Ms@50000': '< 10',
      'broker.eventsPerSec@16': '>= 5000',
      'broker.p99Ms@3000': '<= 20',
      'ride.rideCpuOverFloor': '<= 2.5',
      'ride.lightOfferP99Ms': '< 50',
    },
    notes:
      'figures <path>.<metric>@<size>; `~` = extrapolated from the measured sizes (least squares on log size), not measured. ' +
      'matching: the matching-request handler (real Redis, hand-over to rides left out), drivers spread over a 20 km city, 1 % within the first 2 km radius; ' +
      'history: the rides-list handler (real PostgreSQL), a rider with 1,000 rides, deep page = after the 900th; index@ = the index both plans read; ' +
      'tracking: track-scale (10 % and 100 % of each total; its reference read is in its own result); ' +
      'notifier: notifier.bench at 1,000 events/s; broker: broker.bench, classic queue, 1 KiB payloads, p99Ms@rate at parallelism 16 (p64P99Ms at 64). ' +
      'ride: rides.bench (200 riders and drivers; quick: 50) then floor.bench priced with its counts, rideCpuOverFloor = its CPU per ride over that floor; notCompleted = rides not completed within 30 s. ' +
      'load.* = 1-minute load average when the part started (2 cores shared with other work).',
  };
}
