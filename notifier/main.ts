/**
 * Entry of the notifier pod (a Deployment in the cluster; also runnable alone:
 * `node --import tsx notifier/main.ts`). Prints its URLs; SIGTERM/SIGINT drain it:
 * stop accepting, finish in-flight CloudEvents, close sockets with 1001, exit.
 */
import { join } from 'node:path';
import { config, exitOnConfigError } from '../platform/config.js';
import { closeClients } from '../platform/clients.js';
import { logger } from '../platform/logger.js';
import { ensureKeys } from '../platform/auth/dev-keys.js';
import { notifierConfig } from './config.js';
import { startNotifier } from './server.js';

async function main(): Promise<void> {
  try {
    config();
    notifierConfig();
  } catch (err) {
    exitOnConfigError(err);
  }
  // Outside production, share `npm start`'s dev keys so its tokens verify here too.
  if (!config().JWT_PUBLIC_KEY && config().NODE_ENV !== 'production') ensureKeys(join(process.cwd(), '.local', 'keys'));
  let notifier;
  try {
    notifier = await startNotifier();
  } catch (err) {
    exitOnConfigError(err);
  }
  process.stdout.write(`notifier listening on ${notifier.url} (websocket ${notifier.wsUrl}, metrics ${notifier.url}/metrics)\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const log = logger().child({ fn: 'notifier' });
    log.info({ signal }, 'shutting down');
    const hard = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config().SHUTDOWN_TIMEOUT_MS + 2_000);
    hard.unref();
    void notifier
      .close()
      .then(closeClients)
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`notifier failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
