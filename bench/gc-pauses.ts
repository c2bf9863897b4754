/**
 * Summarises V8's `--trace-gc` lines from a platform log (BENCH_PLATFORM_LOG with
 * BENCH_NODE_FLAGS=--trace-gc): per isolate and kind of collection, how many, and their
 * main-thread pauses (p50, p99, max, total). Pauses are what a request in flight waits
 * for, so they are the first suspect for a latency tail.
 *
 *   tsx bench/gc-pauses.ts <log> [--after <ms>]   (--after: skip each isolate's first ms, e.g. start-up)
 */
import { readFileSync } from 'node:fs';
import { percentile } from './lib.js';

// [pid:isolate]  1234 ms: Scavenge 61.7 (80.4) -> 51.6 (82.9) MB, 12.34 / 0.00 ms ...
const LINE = /^\[(\d+):(0x[0-9a-f]+)\]\s+(\d+) ms: (Scavenge|Mark-Compact(?: \(reduce\))?|Minor Mark-Compact|Mark-Sweep)[^,]*MB, ([\d.]+) \//;

export interface Pause {
  isolate: string;
  atMs: number;
  kind: string;
  ms: number;
}

export function parseGcTrace(text: string): Pause[] {
  const out: Pause[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ isolate: `${m[1]}:${m[2]}`, atMs: Number(m[3]), kind: m[4]!, ms: Number(m[5]) });
  }
  return out;
}

export interface PauseSummary {
  /** `<pid>:<isolate> <kind>` */
  key: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  totalMs: number;
  /** Seconds from the first to the last pause of the group. */
  spanSeconds: number;
}

/** Per isolate and kind, after `afterMs` of each isolate's life (start-up left out). */
export function summarisePauses(pauses: readonly Pause[], afterMs = 0): PauseSummary[] {
  const groups = new Map<string, Pause[]>();
  for (const p of pauses) {
    if (p.atMs < afterMs) continue;
    const key = `${p.isolate} ${p.kind}`;
    const list = groups.get(key) ?? [];
    list.push(p);
    groups.set(key, list);
  }
  return [...groups]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, list]) => {
      const ms = list.map((p) => p.ms).sort((a, b) => a - b);
      return {
        key,
        count: ms.length,
        p50Ms: percentile(ms, 50),
        p99Ms: percentile(ms, 99),
        maxMs: ms.at(-1)!,
        totalMs: ms.reduce((a, b) => a + b, 0),
        spanSeconds: (list.at(-1)!.atMs - list[0]!.atMs) / 1000,
      };
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/gc-pauses.ts <log> [--after <ms>]\n');
    process.exit(2);
  }
  const afterAt = rest.indexOf('--after');
  const after = afterAt >= 0 ? Number(rest[afterAt + 1]) : 0;
  for (const r of summarisePauses(parseGcTrace(readFileSync(file, 'utf8')), after)) {
    process.stdout.write(
      `${r.key.padEnd(44)} n ${String(r.count).padStart(4)}  pause p50 ${r.p50Ms.toFixed(1)}  p99 ${r.p99Ms.toFixed(1)}  max ${r.maxMs.toFixed(1)} ms  total ${r.totalMs.toFixed(0)} ms over ${r.spanSeconds.toFixed(0)} s\n`,
    );
  }
}
