/**
 * System calls and context switches per process group over a window, counted by
 * `perf stat` on the kernel's tracepoints (no hardware counters needed, which virtual
 * machines often lack). CPU time says how long the work took on this machine; these counts
 * say how much of it was crossing into the kernel, which is what differs most between
 * virtual machines (the same commit ran the rides benchmark 2.5× slower on a machine whose
 * system calls cost 5–10× more). Linux, root (or perf_event_paranoid ≤ 0) and perf only;
 * without them the counter is undefined and the benchmark goes on without it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadsByGroup, type Classify } from './process-cpu.js';

export interface KernelCrossings {
  syscalls: number;
  switches: number;
}

export type CrossingsByGroup = Record<string, KernelCrossings>;

export interface SyscallCounter {
  /**
   * Stops counting; the counts of each group divided by `per` (e.g. rides completed), or
   * undefined when perf counted nothing this run's processes did (it failed or was cut off).
   */
  stop(per: number): Promise<CrossingsByGroup | undefined>;
}

const EVENTS = 'raw_syscalls:sys_enter,context-switches';
let usable: boolean | undefined;

/** Whether perf can count system-wide tracepoints here (checked once). */
export function syscallCountingAvailable(): boolean {
  usable ??= spawnSync('perf', ['stat', '-a', '-e', EVENTS, '-x', ',', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return usable;
}

/** Starts counting every thread of the machine; stop() attributes them to `classify`'s groups. */
export function startSyscallCount(classify: Classify): SyscallCounter | undefined {
  if (process.env.BENCH_SYSCALLS === '0' || !syscallCountingAvailable()) return undefined;
  const out = join(tmpdir(), `microride-perf-${process.pid}-${Date.now()}.csv`);
  const perf = spawn('perf', ['stat', '-a', '--per-thread', '-e', EVENTS, '-x', ',', '-o', out], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => perf.once('exit', () => resolve()));
  return {
    async stop(per) {
      const threads = threadsByGroup(classify);
      perf.kill('SIGINT');
      await exited;
      const totals: CrossingsByGroup = {};
      try {
        for (const line of readFileSync(out, 'utf8').split('\n')) {
          // "<comm>-<tid>,<count>,<unit>,<event>,…"
          const [thread, count, , event] = line.split(',');
          const tid = Number(thread?.slice(thread.lastIndexOf('-') + 1));
          const group = threads.get(tid)?.group;
          const n = Number(count);
          if (!group || !Number.isFinite(n) || !event) continue;
          const g = (totals[group] ??= { syscalls: 0, switches: 0 });
          if (event.startsWith('raw_syscalls')) g.syscalls += n;
          else if (event.startsWith('context-switches')) g.switches += n;
        }
      } finally {
        rmSync(out, { force: true });
      }
      // Seen in 3 of 9 windows of one afternoon's runs: perf wrote no counts, which read as
      // 0 system calls per ride; a window without counts is left out of the medians instead.
      if (Object.keys(totals).length === 0) return undefined;
      if (per > 0) for (const g of Object.values(totals)) (g.syscalls /= per), (g.switches /= per);
      return totals;
    },
  };
}

/** Sum over every group. */
export function totalCrossings(by: CrossingsByGroup): KernelCrossings {
  return Object.values(by).reduce((t, g) => ({ syscalls: t.syscalls + g.syscalls, switches: t.switches + g.switches }), { syscalls: 0, switches: 0 });
}
