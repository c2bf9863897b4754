/**
 * Stopping a process gracefully, the one way every process of the platform does it (a
 * function pod, the notifier, `npm start` and its gateway workers, the tick relay): on a
 * signal, once, stop what it runs, then exit 0 — or 1 when stopping failed or took
 * longer than its deadline. Plain Node, no store and no dependency: the tick relay, which
 * starts in milliseconds from zero, uses it too.
 */
import type { Server } from 'node:http';
import type { Logger } from './logger.js';

/** Stops accepting and waits for in-flight requests; idle keep-alive sockets are closed as they go idle, the rest cut after timeoutMs. */
export function drain(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** What a process says while it stops; each step is optional. */
export interface ShutdownSteps {
  stopping?(signal: NodeJS.Signals): void;
  stopped?(): void;
  /** The deadline passed; the process exits 1 next. */
  tooLong?(): void;
  /** `stop` failed; the process exits 1 next. */
  failed?(err: unknown): void;
}

export interface SignalOptions extends ShutdownSteps {
  /** Drains and closes what the process runs; it exits when this settles. */
  stop(): Promise<unknown>;
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Exit 1 if `stop` has not settled this long after the signal (default: no deadline). */
  deadlineMs?: number;
}

/** Installs the handlers; a second signal while stopping is ignored. */
export function onSignals(opts: SignalOptions): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    opts.stopping?.(signal);
    if (opts.deadlineMs !== undefined) {
      const hard = setTimeout(() => {
        opts.tooLong?.();
        process.exit(1);
      }, opts.deadlineMs);
      hard.unref();
    }
    // A stop that throws at once fails like one that rejects.
    new Promise((resolve) => resolve(opts.stop())).then(
      () => {
        opts.stopped?.();
        process.exit(0);
      },
      (err: unknown) => {
        opts.failed?.(err);
        process.exit(1);
      },
    );
  };
  for (const signal of opts.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, handler);
}

/** The steps as log lines of `log` (made when the signal comes, after the settings are read). */
export function loggedSteps(log: () => Pick<Logger, 'info' | 'error'>): Required<ShutdownSteps> {
  let made: Pick<Logger, 'info' | 'error'> | undefined;
  const l = () => (made ??= log());
  return {
    stopping: (signal) => l().info({ signal }, 'shutting down'),
    stopped: () => l().info('stopped'),
    tooLong: () => l().error('shutdown took too long; exiting'),
    failed: (err) => l().error({ err }, 'error while shutting down'),
  };
}
