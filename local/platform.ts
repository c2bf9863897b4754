/**
 * The one-machine platform behind `npm start` and the integration tests: every function
 * of the catalog behind one gateway port, the local broker with its Triggers, the outbox
 * relays and ticks (eventing/local.ts), and the notifier — migrations applied first.
 */
import { catalog } from '../contracts/catalog.js';
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { loadFunction } from './registry.js';
import { migrateAll } from '../functions/migrations.js';
import { listen, type Served } from '../platform/serve.js';
import type { ExtraTrigger, LocalEventing } from '../eventing/local.js';
import type { Notifier } from '../notifier/server.js';
import { startPlumbing } from './plumbing.js';
import { createGateway, type LoadedFunction } from './gateway.js';
import { ensureKeys } from '../platform/auth/dev-keys.js';
import { provideLocalCallUrls } from './call-urls.js';

export interface PlatformOptions {
  /** Gateway port; 0 picks a free one (tests). */
  port: number;
  host?: string;
  /** Directory for persistent dev keys; omitted = fresh keys in memory. */
  keysDir?: string;
  migrate?: boolean;
  log?: (line: string) => void;
  functions?: readonly FunctionSpec[];
  /** Broker, outbox relays and ticks; false = HTTP only (faster for tests that emit nothing). */
  eventing?: false | { port?: number; extraTriggers?: readonly ExtraTrigger[]; tickScale?: number };
  /** The websocket notifier; false = none. */
  notifier?: false | { port?: number };
}

export interface Platform {
  url: string;
  port: number;
  functions: readonly LoadedFunction[];
  eventing: LocalEventing | undefined;
  notifier: Notifier | undefined;
  close(): Promise<void>;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const log = opts.log ?? (() => undefined);
  ensureKeys(opts.keysDir);
  const specs = opts.functions ?? catalog;
  const functions = await Promise.all(specs.map(async (spec) => ({ spec, app: await loadFunction(spec) })));
  if (opts.migrate !== false) await migrateAll(log);
  const gateway = createGateway(functions);
  const host = opts.host ?? '127.0.0.1';
  const served: Served = await listen(gateway.fetch, opts.port, host);
  log(`gateway listening on ${served.url} (${functions.length} functions)`);
  // Functions that call others directly (rides → tracking, matching → rides) find them at the gateway.
  provideLocalCallUrls(served.url, specs);

  let notifier: Notifier | undefined;
  let eventing: LocalEventing | undefined;
  try {
    ({ notifier, eventing } = await startPlumbing({ gatewayUrl: served.url, host, functions: specs, eventing: opts.eventing ?? {}, notifier: opts.notifier ?? {}, log }));
  } catch (err) {
    await served.close();
    throw err;
  }

  return {
    url: served.url,
    port: served.port,
    functions,
    eventing,
    notifier,
    async close() {
      // Stop the sources of new work first, then the receivers.
      await eventing?.close();
      await notifier?.close();
      await served.close();
    },
  };
}
