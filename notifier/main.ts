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
import { loggedSteps, onSignals } from '../platform/shutdown.js';
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
  process.stdout.write(`notifier listening on ${notifier.url} (websocket ${notifier.wsUrl}, metrics ${notifier.url}/metrics, CloudEvents at ${notifier.eventsUrl}/)\n`);

  onSignals({
    ...loggedSteps(() => logger().child({ fn: 'notifier' })),
    stopped: () => undefined, // notifier.close() says "notifier stopped" itself
    // notifier.close() gives in-flight CloudEvents SHUTDOWN_TIMEOUT_MS, then closes the sockets.
    deadlineMs: config().SHUTDOWN_TIMEOUT_MS + 2_000,
    stop: () => notifier.close().then(closeClients),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`notifier failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
