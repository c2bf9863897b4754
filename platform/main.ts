/**
 * The process entry of one function as a Knative pod runs it. `npm run build` generates
 * one tiny entry per catalog function that calls `runFunction(name, () => import(module))`,
 * and esbuild bundles it into dist/functions/<name>.mjs.
 *
 * Order matters for a clear failure: the environment is validated before the function's
 * module is evaluated, so a missing or malformed variable ends the process with one line
 * naming it (exit 78) instead of a stack trace from deep inside a handler.
 */
import { config, exitOnConfigError } from './config.js';
import { logger } from './logger.js';
import { listen, onShutdown } from './serve.js';
import type { OutboxRelay, settlePublishes, startOutboxRelay } from './events/outbox.js';

type Loaded = { default?: { fetch: Parameters<typeof listen>[0] } };

/** Given (by the generated entry) to functions that write events into their service's outbox. */
export interface OutboxRuntime {
  service: string;
  outbox: { startOutboxRelay: typeof startOutboxRelay; settlePublishes: typeof settlePublishes };
}

export async function runFunction(name: string, load: () => Promise<Loaded>, withOutbox?: OutboxRuntime): Promise<void> {
  const started = performance.now();
  try {
    config();
  } catch (err) {
    exitOnConfigError(err);
  }
  let mod: Loaded;
  try {
    mod = await load();
  } catch (err) {
    exitOnConfigError(err);
  }
  const app = mod.default;
  if (!app || typeof app.fetch !== 'function') {
    process.stderr.write(`function ${name}: its module has no default export with a fetch() (the function's Hono app)\n`);
    process.exit(1);
  }
  // Knative sets PORT (8080 unless the Service says otherwise).
  const served = await listen(app.fetch, config().PORT);
  // A function that writes events into its service's outbox publishes them itself on
  // commit; its relay re-sends what that did not get through (broker down, a pod that died
  // mid-publish). While a service has no pod running, its stragglers wait for the next one.
  let relay: OutboxRelay | undefined;
  if (withOutbox && config().K_SINK) relay = await withOutbox.outbox.startOutboxRelay({ services: [withOutbox.service] });
  onShutdown(name, async () => {
    await served.close();
    await withOutbox?.outbox.settlePublishes();
    await relay?.close();
  });
  logger().info({ fn: name, port: served.port, startMs: Math.round(performance.now() - started) }, 'listening');
}
