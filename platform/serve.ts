/**
 * Serves one Hono app on a port with graceful shutdown: on SIGTERM/SIGINT stop
 * accepting, report not-ready, let in-flight requests finish, close idle keep-alive
 * sockets and the store pools, and exit — forced after SHUTDOWN_TIMEOUT_MS.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { config } from './config.js';
import { closeClients } from './clients.js';
import { markDraining } from './health.js';
import { logger } from './logger.js';

export interface Served {
  server: Server;
  port: number;
  url: string;
  /** Graceful stop; resolves when in-flight requests have finished (or the timeout hit). */
  close(): Promise<void>;
}

/** `env` is what @hono/node-server passes along ({ incoming, outgoing }): apps read the Node request from it. */
type Fetch = (req: Request, env?: object) => Response | Promise<Response>;

export function listen(fetch: Fetch, port: number, hostname = '0.0.0.0'): Promise<Served> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }) as Server;
    server.keepAliveTimeout = 65_000; // longer than typical proxies' idle timeout
    server.once('error', reject);
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port;
      const host = hostname === '0.0.0.0' ? '127.0.0.1' : hostname;
      resolve({ server, port: actual, url: `http://${host}:${actual}`, close: () => drain(server) });
    });
  });
}

/** Stops accepting and waits for in-flight requests; idle keep-alive sockets are closed as they go idle. */
export function drain(server: Server, timeoutMs = config().SHUTDOWN_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => {
      server.closeAllConnections();
    }, timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Installs SIGTERM/SIGINT handling that drains `stop` then closes the store clients and exits. */
export function onShutdown(name: string, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    markDraining();
    const log = logger().child({ fn: name });
    log.info({ signal }, 'shutting down');
    const hard = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config().SHUTDOWN_TIMEOUT_MS + 1_000);
    hard.unref();
    stop()
      .then(closeClients)
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
