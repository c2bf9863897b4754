/**
 * The one live status line: rewritten in place on a terminal, a new line every
 * PERIODIC_MS otherwise (a log file or CI must not fill with carriage returns).
 */
import type { SimClock } from './clock.js';
import type { Stats } from './stats.js';

const PERIODIC_MS = 10_000;
const TTY_MS = 1_000;

export function statusLine(clock: SimClock, s: Stats, since: number): string {
  const rate = s.matchRate();
  const p50 = s.pickupWait(50);
  const p99 = s.pickupWait(99);
  const min = (v: number | null) => (v === null ? '–' : (v / 60).toFixed(1));
  return [
    `sim ${clock.label()}`,
    `drivers online ${s.driversOnline}`,
    `open requests ${s.openRequests}`,
    `rides/min ${s.ridesPerMinute(since).toFixed(1)}`,
    `match ${rate === null ? '–' : `${Math.round(rate * 100)}%`}`,
    `pickup wait p50/p99 ${min(p50)}/${min(p99)} min`,
    `errors ${s.errorCount}`,
  ].join(' | ');
}

export interface StatusWriter {
  /** Shows `text` now (set-up progress) instead of the simulation's figures. */
  note(text: string): void;
  /** Starts showing the figures. */
  run(line: () => string): void;
  stop(): void;
}

export function statusWriter(out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): boolean }): StatusWriter {
  const tty = Boolean(out.isTTY);
  let timer: NodeJS.Timeout | undefined;
  let shown = false;
  const show = (text: string) => {
    if (tty) {
      const width = (out as NodeJS.WriteStream).columns || 200;
      out.write(`\r\x1b[2K${text.slice(0, Math.max(20, width - 1))}`);
      shown = true;
    } else out.write(`${text}\n`);
  };
  let lastNote = -Infinity;
  return {
    note(text) {
      // Off a terminal, set-up progress every few seconds is enough.
      if (!tty && performance.now() - lastNote < PERIODIC_MS && !text.endsWith('done')) return;
      lastNote = performance.now();
      show(text);
    },
    run(line) {
      clearInterval(timer);
      timer = setInterval(() => show(line()), tty ? TTY_MS : PERIODIC_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      if (tty && shown) out.write('\n');
    },
  };
}
