/**
 * The one-machine platform behind `npm start` and the integration tests: every function
 * of the catalog behind the public gateway port (HTTP routes) and the loopback-only
 * internal port (/_fn/<name>: event deliveries and direct calls), the local broker with its
 * Triggers, the outbox relays and ticks (eventing/local.ts), and the notifier — migrations
 * applied first.
 */
import { catalog } from '../contracts/catalog.js';
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { loadFunction } from './registry.js';
import { migrateAll } from '../functions/migrations.js';
import { listen, type Served } from '../platform/serve.js';
import type { ExtraTrigger, LocalEventing } from '../eventing/local.js';
import type { Notifier } from '../notifier/server.js';
import { INTERNAL_HOST, startPlumbing } from './plumbing.js';
import { createGateway, createInternalGateway, type LoadedFunction } from './gateway.js';
import { ensureKeys } from '../platform/auth/dev-keys.js';
import { provideLocalCallUrls } from './call-urls.js';

export interface PlatformOptions {
  /** Gateway port; 0 picks a free one (tests). */
  port: number;
  host?: string;
  /** Port of the internal listener (always on INTERNAL_HOST); default 0, a free one. */
  internalPort?: number;
  /** Directory for persistent dev keys; omitted = fresh keys in memory. */
  keysDir?: string;
  migrate?: boolean;
  log?: (line: string) => void;
  functions?: readonly FunctionSpec[];
  /** Broker, outbox relays and ticks; false = HTTP only (faster for tests that emit nothing). */
  eventing?: false | { port?: number; extraTriggers?: readonly ExtraTrigger[]; tickScale?: number };
  /** The websocket notifier (its /ws port and its loopback CloudEvent port; 0 = free ones); false = none. */
  notifier?: false | { port?: number; eventsPort?: number };
}

export interface Platform {
  url: string;
  port: number;
  /** http://127.0.0.1:<internal port>: function <name> takes its events at `${internalUrl}/_fn/<name>`. */
  internalUrl: string;
  internalPort: number;
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
  const host = opts.host ?? '127.0.0.1';
  const served: Served = await listen(createGateway(functions).fetch, opts.port, host);
  let internal: Served;
  try {
    internal = await listen(createInternalGateway(functions).fetch, opts.internalPort ?? 0, INTERNAL_HOST);
  } catch (err) {
    await served.close();
    throw err;
  }
  log(`gateway listening on ${served.url} (${functions.length} functions; event endpoints on ${internal.url}, this machine only)`);
  // Functions that call others directly (rides → tracking, matching → rides) find HTTP
  // functions at the gateway and event functions at the internal listener.
  provideLocalCallUrls(served.url, internal.url, specs);

  let notifier: Notifier | undefined;
  let eventing: LocalEventing | undefined;
  try {
    ({ notifier, eventing } = await startPlumbing({ internalUrl: internal.url, host, functions: specs, eventing: opts.eventing ?? {}, notifier: opts.notifier ?? {}, log }));
  } catch (err) {
    await Promise.all([served.close(), internal.close()]);
    throw err;
  }

  return {
    url: served.url,
    port: served.port,
    internalUrl: internal.url,
    internalPort: internal.port,
    functions,
    eventing,
    notifier,
    async close() {
      // Stop the sources of new work first, then the receivers.
      await eventing?.close();
      await notifier?.close();
      await Promise.all([served.close(), internal.close()]);
    },
  };
}
