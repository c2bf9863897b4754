/**
 * `npm run migrate`: applies every service's migrations against DATABASE_URL (default: the
 * local PostgreSQL, platform/config.ts) and exits. The same code as the cluster's migration
 * Job (functions/migrate-job.ts), run from source.
 */
import { runMigrateJob } from '../functions/migrate-job.js';

await runMigrateJob();
