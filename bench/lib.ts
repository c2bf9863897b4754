/**
 * What every benchmark returns and how results are kept: bench/results/<name>.json with
 * the figures, the command that produced them, the machine and the date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';

export interface BenchResult {
  name: string;
  /** Figures as measured; name them with their unit (e.g. reqPerSec, p99Ms). */
  figures: Record<string, number | string>;
  /** Target per figure, as text (e.g. ">= 8000"). */
  targets?: Record<string, string>;
  notes?: string;
  /** Per-item figures (e.g. one row per function), kept in the result file as they are. */
  rows?: Record<string, number | string>[];
}

export type Bench = () => Promise<BenchResult | BenchResult[]>;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/**
 * What one trip into the kernel costs here, in µs: `process.ppid` asks the kernel each
 * time (getppid, about the cheapest system call). Machines of one kind differ 5–10× in
 * it, and the socket-bound benchmarks follow (docs/performance.md), so every result records it. Best of three rounds of 100,000.
 */
let measuredSyscallMicros: number | undefined;

export function syscallMicros(): number {
  measuredSyscallMicros ??= measureSyscall();
  return measuredSyscallMicros;
}

/** Once per process: it takes ~0.5 s, and every result of a run shares the machine. */
function measureSyscall(): number {
  const n = 100_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) void process.ppid;
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n / 1000);
  }
  return Math.round(best * 100) / 100;
}

/**
 * What a first touch of a fresh page costs here, in µs (a minor page fault, zeroing
 * included). Bare metal pays well under 1 µs; the virtual machines these benchmarks ran on
 * paid 12–19 µs (docs/performance.md), which is what makes every process that grows or churns its
 * memory dear here. 32 MiB allocated outside the V8 heap (large enough for malloc to map
 * fresh pages), one byte written per page; best of three.
 */
let measuredPageFaultMicros: number | undefined;

export function pageFaultMicros(): number {
  measuredPageFaultMicros ??= measurePageFault();
  return measuredPageFaultMicros;
}

function measurePageFault(): number {
  const bytes = 32 * 2 ** 20;
  const page = 4096;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const buf = Buffer.allocUnsafeSlow(bytes);
    const t = process.hrtime.bigint();
    for (let i = 0; i < bytes; i += page) buf[i] = 1;
    best = Math.min(best, Number(process.hrtime.bigint() - t) / (bytes / page) / 1000);
  }
  return Math.round(best * 100) / 100;
}

export function machine() {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    syscallMicros: syscallMicros(),
    pageFaultMicros: pageFaultMicros(),
  };
}

export function writeResult(result: BenchResult, command: string): string {
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify({ ...result, command, machine: machine(), date: new Date().toISOString() }, null, 2)}\n`);
  return file;
}
