/** Every service's migrations, in dependency-free order (each service owns one schema). */
import type { Migration } from '../platform/migrate.js';
import { migrate } from '../platform/migrate.js';
import { migrations as accounts } from './accounts/migrations.js';
import { migrations as drivers } from './drivers/migrations.js';
import { migrations as rides } from './rides/migrations.js';
import { migrations as payments } from './payments/migrations.js';
import { migrations as eventing } from './eventing/migrations.js';

export const serviceMigrations: Record<string, readonly Migration[]> = {
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
