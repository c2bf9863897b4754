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
import { drain, loggedSteps, onSignals } from './shutdown.js';

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
      resolve({ server, port: actual, url: `http://${host}:${actual}`, close: () => drain(server, config().SHUTDOWN_TIMEOUT_MS) });
    });
  });
}

/**
 * Installs SIGTERM/SIGINT handling for a function process: report not-ready, drain `stop`,
 * close the store clients and exit, logging each step; forced SHUTDOWN_TIMEOUT_MS + 1 s on.
 */
export function onShutdown(name: string, stop: () => Promise<void>): void {
  onSignals({
    ...loggedSteps(() => logger().child({ fn: name })),
    deadlineMs: config().SHUTDOWN_TIMEOUT_MS + 1_000,
    stop: () => {
      markDraining();
      return stop().then(closeClients);
    },
  });
}
