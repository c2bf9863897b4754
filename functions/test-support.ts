/**
 * Fakes the unit tests of more than one service share (functions/<service>/<op>.test.ts);
 * each service's own rows and stores are in its test-support module. Only tests and test
 * support import this file, so no function bundle holds it (test/architecture/floors.test.ts).
 */
import type { Knex } from 'knex';
import { pino, type Level, type Logger } from 'pino';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { HttpProblem } from '../platform/problem.js';

/** Stands in for the transaction; the fakes check every write was given this one. */
export const TRX = { fake: 'transaction' } as unknown as Knex.Transaction;

/** A store's `transaction`: runs `work` on TRX and records 'begin', then 'commit' or 'rollback', in `steps`. */
export function recordedTransaction(steps: string[]) {
  return async <T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> => {
    steps.push('begin');
    try {
      const out = await work(TRX);
      steps.push('commit');
      return out;
    } catch (err) {
      steps.push('rollback');
      throw err;
    }
  };
}

/**
 * A store's `enqueueEvent` (the outbox) for the function `name`: checks it writes in TRX,
 * records `event <type>` in `steps` and keeps the event.
 */
export function recordedEnqueue<E extends { type: string }>(name: string, steps: string[], events: E[]) {
  return async (trx: Knex.Transaction, spec: { name: string }, event: E): Promise<void> => {
    expect(trx).toBe(TRX);
    expect(spec.name).toBe(name);
    steps.push(`event ${event.type}`);
    events.push(event);
  };
}

/** A logger whose lines the test can read. */
export function recordingLog(level: Level = 'info'): { log: Logger; lines: { msg: string; [k: string]: unknown }[] } {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  return { log, lines };
}

/** Called in a describe: each of its tests starts with the clock (Date only) at `at`, and real time after. */
export function clockAt(at: number | Date): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(at);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** The problem `work` was refused with; anything else fails the test. */
export async function problemOf(work: Promise<unknown>): Promise<HttpProblem> {
  const outcome = await work.then(
    () => 'resolved',
    (err: unknown) => err,
  );
  if (!(outcome instanceof HttpProblem)) throw new Error(`expected an HttpProblem, got ${String(outcome)}`);
  return outcome;
}
