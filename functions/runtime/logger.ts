/** One JSON logger per process (pino); functions derive children with their name. */
import { pino, type Logger } from 'pino';
import { config } from './config.js';

let root: Logger | undefined;

export function logger(): Logger {
  root ??= pino({
    level: config().LOG_LEVEL,
    base: { pid: process.pid },
    // Never let a credential reach the log, whatever a handler passes in.
    redact: {
      paths: ['password', '*.password', 'refreshToken', '*.refreshToken', 'req.headers.authorization', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
  return root;
}

export type { Logger };
