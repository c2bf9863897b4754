/**
 * CPU time per process group, from /proc: which part of the machine a benchmark's work
 * lands in (the platform's Node processes, PostgreSQL, RabbitMQ, Redis, FerretDB). Linux
 * only; processes that start and exit between two reads are not seen.
 */
import { readFileSync, readdirSync } from 'node:fs';

export type CpuByGroup = Record<string, number>;

/** Cumulative CPU (ms) of each process seen, with its group. */
export type CpuByProcess = Map<number, { group: string; ms: number }>;

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** Which group a process belongs to, from its name and command line; undefined: not counted. */
export type Classify = (pid: number, comm: string, cmdline: string, ppid: number) => string | undefined;

export const storesAndNode =
  (named: (pid: number, cmdline: string, ppid: number) => string | undefined): Classify =>
  (pid, comm, cmdline, ppid) => {
    if (comm === 'postgres') return 'postgresql';
    if (comm === 'beam.smp' || comm === 'erl_child_setup' || comm === 'epmd') return 'rabbitmq';
    if (comm === 'redis-server') return 'redis';
    if (comm.startsWith('ferretdb')) return 'ferretdb';
    if (comm === 'node' || comm.startsWith('MainThread') || comm === 'tsx') return named(pid, cmdline, ppid);
    return undefined;
  };

/** Cumulative user+system CPU (ms) of every process that classify names a group for. */
export function cpuByProcess(classify: Classify): CpuByProcess {
  const out: CpuByProcess = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces: the fields start after its ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const group = classify(Number(entry), comm, cmdline, Number(fields[1]));
      if (group) out.set(Number(entry), { group, ms });
    } catch {
      // The process ended between readdir and read.
    }
  }
  return out;
}

/**
 * Every live thread of the classified processes: its group, and whether it is its process's
 * main thread. Read while the processes still run (perf names threads that may be gone later).
 */
export function threadsByGroup(classify: Classify): Map<number, { group: string; main: boolean }> {
  const out = new Map<number, { group: string; main: boolean }>();
  for (const [pid, { group }] of cpuByProcess(classify)) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(Number(tid), { group, main: Number(tid) === pid });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * The CPU each group spent between two readings, divided by `per` (e.g. rides completed).
 * Per process, so one that exited in between (a closed PostgreSQL connection) does not
 * subtract its whole life; what it spent since `a` is lost, a process started since counts
 * in full.
 */
export function perUnit(a: CpuByProcess, b: CpuByProcess, per: number): CpuByGroup {
  const out: CpuByGroup = {};
  for (const [pid, { group, ms }] of b) out[group] = (out[group] ?? 0) + ms - (a.get(pid)?.ms ?? 0);
  if (per > 0) for (const k of Object.keys(out)) out[k]! /= per;
  return out;
}

/** CPU time of the whole machine so far (/proc/stat, all cores): busy and total, in ms. */
export function machineCpu(): { busyMs: number; totalMs: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const busy = user + nice + system + irq + softirq + steal;
  return { busyMs: busy * tick, totalMs: (busy + idle + iowait) * tick };
}
