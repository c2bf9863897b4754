/**
 * The one-machine platform behind `npm start` and the integration tests: every function
 * of the catalog behind one gateway port, migrations applied first.
 */
import { catalog } from '../functions/catalog.js';
import type { FunctionSpec } from '../functions/catalog-types.js';
import { loadFunction } from '../functions/registry.js';
import { migrateAll } from '../functions/migrations.js';
import { listen, type Served } from '../functions/runtime/serve.js';
import { createGateway, type LoadedFunction } from './gateway.js';
import { ensureKeys } from './keys.js';

export interface PlatformOptions {
  /** Gateway port; 0 picks a free one (tests). */
  port: number;
  host?: string;
  /** Directory for persistent dev keys; omitted = fresh keys in memory. */
  keysDir?: string;
  migrate?: boolean;
  log?: (line: string) => void;
  functions?: readonly FunctionSpec[];
}

export interface Platform {
  url: string;
  port: number;
  functions: readonly LoadedFunction[];
  close(): Promise<void>;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const log = opts.log ?? (() => undefined);
  ensureKeys(opts.keysDir);
  const specs = opts.functions ?? catalog;
  const functions = await Promise.all(specs.map(async (spec) => ({ spec, app: await loadFunction(spec) })));
  if (opts.migrate !== false) await migrateAll(log);
  const gateway = createGateway(functions);
  const served: Served = await listen(gateway.fetch, opts.port, opts.host ?? '127.0.0.1');
  log(`gateway listening on ${served.url} (${functions.length} functions)`);
  return {
    url: served.url,
    port: served.port,
    functions,
    close: () => served.close(),
  };
}
