/** One JSON logger per process (pino); functions derive children with their name. */
import { pino, type Logger } from 'pino';
import { config } from './config.js';

let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino({
    level: config().LOG_LEVEL,
    base: { pid: process.pid },
    // Never let a credential (or a ride's pickup code, functions/rides/pickup-code.ts) reach the log, whatever a handler passes in.
    redact: {
      paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'req.headers.authorization', 'headers.authorization', 'pickupCode', '*.pickupCode', 'pickup_code', '*.pickup_code'],
      censor: '[redacted]',
    },
  });
  return root;
}

export type { Logger };

const LEVEL_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const noop = (): void => undefined;

/**
 * A child logger that is built only when something is logged through it. Every request
 * and every event delivery gets one (request id, event id), and pino's child() was ~20 µs
 * of a ~97 µs delivery to a no-op event function (20k deliveries, 16 connections) while at
 * the usual levels most requests log nothing. A call at a disabled level is a no-op without
 * building anything; levels are the parent's (these children never change theirs).
 */
export function lazyChild(parent: Logger, bindings: () => Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings()));
  return new Proxy(parent, {
    get(target, prop) {
      if (typeof prop === 'string') {
        if (LEVEL_METHODS.has(prop) && !target.isLevelEnabled(prop)) return noop;
        if (prop === 'isLevelEnabled' || prop === 'level' || prop === 'levelVal') {
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        }
      }
      const r = real();
      const v: unknown = Reflect.get(r, prop, r);
      return typeof v === 'function' ? v.bind(r) : v;
    },
  });
}
