/**
 * What kind of work each process group's CPU time went to, sampled by `perf record -e
 * cpu-clock -g` over every thread of the machine (a software clock: no hardware counters
 * needed, and a thread is sampled only while it runs, so the shares are CPU time), and,
 * for the Node processes' main threads, which library's code each sample was in or called
 * from (its innermost JavaScript frame).
 *
 * Why not V8's own profiles: they sample the main thread on a wall-clock timer, so a thread
 * preempted right after waking another is charged to whatever it was running, and the
 * JIT compiler's and the garbage collector's background threads are not in them at all.
 * At full load those threads took 10–25 % of a gateway worker's CPU in the first 10 s of
 * the rides benchmark's load (the JIT still compiling the paths the light phase did not
 * heat) and ~3 % (compiler) plus ~5 % (GC helpers) later, none of which a V8 profile shows.
 *
 * Opt-in (BENCH_CPU_KINDS=1): the platform's Node processes need `--perf-basic-prof` to
 * name their JIT code, which writes /tmp/perf-<pid>.map files (removed afterwards). Linux,
 * root (or perf_event_paranoid ≤ 0) and perf only; without them the sampler is undefined.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadsByGroup, type Classify } from './process-cpu.js';

export const CPU_KINDS = ['js', 'v8 builtins', 'native', 'gc', 'jit compiler', 'kernel', 'other threads'] as const;
export type CpuKind = (typeof CPU_KINDS)[number];

/** Per group: the share (%) of its sampled CPU time that each kind took. */
export type KindsByGroup = Record<string, Partial<Record<CpuKind, number>>>;

/** Per group: the share (%) of its main threads' CPU time charged to each library (or file of ours). */
export type LibrariesByGroup = Record<string, Record<string, number>>;

export interface CpuKinds {
  kinds: KindsByGroup;
  libraries: LibrariesByGroup;
}

export interface CpuKindSampler {
  /** Stops sampling; shares per group, or undefined when nothing of this run's was sampled. */
  stop(): Promise<CpuKinds | undefined>;
}

/** What a sample with no JavaScript frame on its stack is charged to. */
export const NO_JS = '(no JavaScript on the stack)';

const GC = /Scaveng|MarkCompact|Marking|Sweeper|Evacuat|::Heap::|HeapObject::SizeFromMap|IteratePointers|MinorMC/;
const COMPILER = /compiler::|maglev::|Compil|turboshaft|OptimizingCompileDispatcher/i;

/**
 * The library a JIT frame's code belongs to: the npm package under node_modules, Node's own
 * module (`node:net`, `node:internal/streams`), or the file's path under `root` for ours.
 */
export function libraryOf(sym: string, root = process.cwd()): string {
  const where = /\s(\S+):\d+:\d+$/.exec(sym)?.[1] ?? '';
  if (where.startsWith('node:')) {
    const parts = where.split('/');
    return parts[0] === 'node:internal' && parts[1] ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const path = where.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const [scope, name] = path.slice(nm + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') && name ? `${scope}/${name}` : (scope ?? path);
  }
  const base = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(base) ? path.slice(base.length) : path || '(unnamed JIT code)';
}

/**
 * One sample's kind. `sym`/`dso` as `perf script` prints them; `mainThread` = the sample's
 * thread is its process's first. JIT code is named by the perf map (`JS:*fn …`, `RegExp:…`;
 * unnamed without --perf-basic-prof); V8's builtins (inline caches, calls, promise jobs) are
 * `Builtins_*` in the node binary; what remains in user space is V8's runtime and Node's
 * own C++ (HTTP parser, buffers, libuv) with libc.
 */
export function kindOf(sym: string, dso: string, mainThread: boolean): CpuKind {
  if (dso.includes('kernel.kallsyms')) return 'kernel';
  if (GC.test(sym)) return 'gc';
  if (!mainThread) return COMPILER.test(sym) ? 'jit compiler' : 'other threads';
  if (dso.startsWith('/tmp/perf-') || sym.startsWith('JS:') || sym.startsWith('RegExp:')) return 'js';
  if (sym.startsWith('Builtins_')) return 'v8 builtins';
  return 'native';
}

let usable: boolean | undefined;

function samplingAvailable(): boolean {
  usable ??= spawnSync('perf', ['record', '-e', 'cpu-clock', '-a', '-o', '/dev/null', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return usable;
}

/** Node flags the sampled processes need for their JIT code to have names. */
export const CPU_KINDS_NODE_FLAGS = ['--perf-basic-prof'];

export const cpuKindsWanted = () => process.env.BENCH_CPU_KINDS === '1';

/** Starts sampling every thread of the machine; stop() attributes the samples to `classify`'s groups. */
export function startCpuKindSampler(classify: Classify): CpuKindSampler | undefined {
  if (!cpuKindsWanted() || !samplingAvailable()) return undefined;
  const out = join(tmpdir(), `microride-cpu-kinds-${process.pid}-${Date.now()}.data`);
  const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '499', '-a', '-g', '-o', out], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => perf.once('exit', () => resolve()));
  return {
    async stop() {
      const threadOf = threadsByGroup(classify);
      const pids = [...threadOf].filter(([, t]) => t.main).map(([tid]) => tid);
      perf.kill('SIGINT');
      await exited;
      try {
        const script = spawnSync('perf', ['script', '-i', out, '-F', 'tid,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
        if (script.status !== 0) return undefined;
        return sharesOf(script.stdout, threadOf);
      } finally {
        rmSync(out, { force: true });
        for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
      }
    },
  };
}

const FRAME = /^\s+[0-9a-f]+\s+(.*)\s\(([^()]*)\)\s*$/;

const percent = (counts: Record<string, number>, total: number): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, Math.round((1000 * n) / total) / 10]));

/**
 * `perf script -F tid,ip,sym,dso` with call graphs (a line with the thread id, then one
 * line per frame, innermost first, then a blank line) → shares per group: each sample's
 * kind from its innermost frame; for main threads, the library of its innermost JavaScript
 * frame, so a builtin, the runtime or a system call counts to the code that made it.
 */
export function sharesOf(script: string, threadOf: ReadonlyMap<number, { group: string; main: boolean }>, root?: string): CpuKinds | undefined {
  const kinds: Record<string, Record<string, number>> = {};
  const libs: Record<string, Record<string, number>> = {};
  const totals: Record<string, number> = {};
  const mainTotals: Record<string, number> = {};
  let thread: { group: string; main: boolean } | undefined;
  let leaf: { sym: string; dso: string } | undefined;
  let lib: string | undefined;
  const flush = () => {
    if (thread && leaf) {
      const { group, main } = thread;
      const k = (kinds[group] ??= {});
      const kind = kindOf(leaf.sym, leaf.dso, main);
      k[kind] = (k[kind] ?? 0) + 1;
      totals[group] = (totals[group] ?? 0) + 1;
      if (main) {
        const l = (libs[group] ??= {});
        const name = lib ?? NO_JS;
        l[name] = (l[name] ?? 0) + 1;
        mainTotals[group] = (mainTotals[group] ?? 0) + 1;
      }
    }
    thread = undefined;
    leaf = undefined;
    lib = undefined;
  };
  for (const line of script.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const frame = FRAME.exec(line);
    if (!frame) {
      flush();
      const tid = /^\s*(\d+)\s*$/.exec(line)?.[1];
      thread = tid === undefined ? undefined : threadOf.get(Number(tid));
      continue;
    }
    if (!thread) continue;
    const [, sym = '', dso = ''] = frame;
    leaf ??= { sym, dso };
    if (lib === undefined && sym.startsWith('JS:')) lib = libraryOf(sym, root);
  }
  flush();
  if (Object.keys(totals).length === 0) return undefined;
  return {
    kinds: Object.fromEntries(Object.entries(kinds).map(([g, c]) => [g, percent(c, totals[g]!)])),
    libraries: Object.fromEntries(Object.entries(libs).map(([g, c]) => [g, percent(c, mainTotals[g]!)])),
  };
}
