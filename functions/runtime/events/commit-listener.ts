/**
 * A LISTEN connection that stays up: reconnects with backoff, and after every
 * (re)connect reports '*' so the caller looks for work committed while it was deaf.
 * The NOTIFY payload is the schema of the outbox that got rows.
 */
import pg from 'pg';
import { config } from '../config.js';
import type { Logger } from '../logger.js';

export function listenForCommits(channel: string, onSchema: (schema: string) => void, log: Logger): { close(): Promise<void> } {
  let client: pg.Client | undefined;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: config().DATABASE_URL });
    c.on('error', () => undefined); // 'end' follows and reconnects
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload) onSchema(n.payload);
    });
    c.on('end', () => {
      // Only the live connection reconnects here; a failed connect does in its catch.
      if (client !== c) return;
      client = undefined;
      if (!closed) schedule();
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
      client = c;
      attempt = 0;
      // Commits made while we were not listening: let the workers look.
      onSchema('*');
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'outbox LISTEN connection failed');
      await c.end().catch(() => undefined);
      schedule();
    }
  };
  const schedule = () => {
    if (timer || closed) return;
    attempt++;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, Math.min(5_000, 100 * 2 ** attempt));
    timer.unref();
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

