/**
 * Starts the whole local platform in this test worker (own schemas, Redis prefix,
 * broker names — see test/setup/isolation.ts) and tears it down with everything it made.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPlatform, type Platform } from '../../local/platform.js';
import { catalog } from '../../contracts/catalog.js';
import type { Service } from '../../contracts/catalog-types.js';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../../local/run-cleanup.js';

export { cleanupStores };

/**
 * HTTP-only (no broker, no notifier): for tests of request handling; the event path has
 * its own tests. `services` limits the gateway to those services' functions.
 */
export function usePlatform(services?: readonly Service[]): { readonly url: string; readonly internalUrl: string; readonly platform: Platform } {
  let platform: Platform | undefined;
  beforeAll(async () => {
    platform = await startPlatform({
      port: 0,
      eventing: false,
      notifier: false,
      ...(services ? { functions: catalog.filter((f) => services.includes(f.service)) } : {}),
    });
  });
  afterAll(async () => {
    await platform?.close();
    await cleanupStores();
    await closeClients();
  });
  return {
    get url() {
      if (!platform) throw new Error('platform not started');
      return platform.url;
    },
    /** The loopback-only listener where event functions take CloudEvents (/_fn/<name>). */
    get internalUrl() {
      if (!platform) throw new Error('platform not started');
      return platform.internalUrl;
    },
    get platform() {
      if (!platform) throw new Error('platform not started');
      return platform;
    },
  };
}
