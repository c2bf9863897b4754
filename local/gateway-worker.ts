/**
 * One gateway worker of the clustered platform (local/cluster.ts): every function behind
 * the shared ports (public, and the loopback-only internal one). The primary has migrated and set up the environment; SIGTERM drains
 * the requests in flight and exits.
 */
import { closeClients } from '../platform/clients.js';
import { markDraining } from '../platform/health.js';
import { settlePublishes } from '../platform/events/outbox.js';
import { onSignals } from '../platform/shutdown.js';
import { startPlatform } from './platform.js';

const platform = await startPlatform({
  port: Number(process.env.MICRORIDE_GATEWAY_PORT),
  host: process.env.MICRORIDE_GATEWAY_HOST ?? '127.0.0.1',
  internalPort: Number(process.env.MICRORIDE_INTERNAL_PORT),
  migrate: false,
  eventing: false,
  notifier: false,
});

onSignals({
  signals: ['SIGTERM'],
  stop: async () => {
    markDraining();
    // Exits 0 even when closing failed: the primary, which stops its workers when it shuts
    // down, does not read their exit codes then.
    await platform.close().then(settlePublishes).then(closeClients).catch(() => undefined);
  },
});
// Ctrl-C reaches the whole process group: the primary decides when workers stop.
process.on('SIGINT', () => undefined);
