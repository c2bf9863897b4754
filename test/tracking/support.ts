/**
 * A platform with only the services these tests exercise (accounts for sign-in, drivers,
 * analysis, tracking), so they neither wait for nor break on functions of other
 * services. Same gateway, same stores, same isolation as test/helpers/platform.ts.
 */
import { afterAll, beforeAll } from 'vitest';
import { catalog } from '../../functions/catalog.js';
import type { Service } from '../../functions/catalog-types.js';
import { serviceMigrations } from '../../functions/migrations.js';
import { migrate } from '../../functions/runtime/migrate.js';
import { closeClients } from '../../functions/runtime/clients.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import { cleanupStores } from '../helpers/platform.js';

export const SERVICES: readonly Service[] = ['accounts', 'drivers', 'analysis', 'tracking'];

export function useServices(services: readonly Service[] = SERVICES): { readonly url: string } {
  let platform: Platform | undefined;
  beforeAll(async () => {
    for (const s of services) {
      const list = serviceMigrations[s];
      if (list) await migrate(s, list);
    }
    platform = await startPlatform({ port: 0, migrate: false, eventing: false, notifier: false, functions: catalog.filter((f) => services.includes(f.service)) });
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
  };
}
