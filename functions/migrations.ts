/**
 * Every service's migrations, in dependency-free order (each service owns one schema).
 * Keyed by the services the migration job's entry names (contracts/workloads.ts
 * MIGRATED_SERVICES): a service missing here, or one here that the job does not name,
 * does not compile.
 */
import type { MigratedService } from '../contracts/workloads.js';
import type { Migration } from '../platform/migrate.js';
import { migrate } from '../platform/migrate.js';
import { migrations as accounts } from './accounts/migrations.js';
import { migrations as drivers } from './drivers/migrations.js';
import { migrations as rides } from './rides/migrations.js';
import { migrations as payments } from './payments/migrations.js';
import { migrations as eventing } from './eventing/migrations.js';

export const serviceMigrations: Readonly<Record<MigratedService, readonly Migration[]>> = {
  accounts,
  drivers,
  rides,
  payments,
  eventing,
};

export async function migrateAll(log: (line: string) => void = () => undefined): Promise<void> {
  for (const [service, list] of Object.entries(serviceMigrations)) {
    const applied = await migrate(service, list);
    log(applied.length ? `${service}: applied ${applied.join(', ')}` : `${service}: up to date`);
  }
}
