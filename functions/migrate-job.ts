/**
 * The migration job: applies every service's migrations (functions/migrations.ts) against
 * DATABASE_URL, prints one progress line per service, and exits 0 (1 if a migration
 * failed, 78 on a bad setting). One implementation for both ways of running it: the
 * cluster's Job runs its bundle (dist/system/migrate.mjs, built by scripts/build.ts from
 * the `job` entry of contracts/workloads.ts), `npm run migrate` runs it from source.
 */
import { config, exitOnConfigError } from '../platform/config.js';
import { closeClients } from '../platform/clients.js';

/** One JSON line, as the functions log (level 30 = info). */
const progress = (msg: string) => process.stdout.write(`${JSON.stringify({ level: 30, msg, job: 'migrate' })}\n`);

export async function runMigrateJob(): Promise<never> {
  // A bad DATABASE_URL stops it with one line before anything is loaded or connected.
  try {
    config();
  } catch (err) {
    exitOnConfigError(err);
  }
  const { migrateAll } = await import('./migrations.js');
  try {
    await migrateAll(progress);
    await closeClients();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`migration failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    await closeClients();
    process.exit(1);
  }
}
