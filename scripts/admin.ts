/**
 * `npm run admin -- create --email <email> --password <password|-> [--name <name>]`:
 * creates an admin account (functions/accounts/admin-cli.ts; the cluster's one-off Job
 * runs the same code from dist/system/admin.mjs).
 */
import { runAdminCli } from '../functions/accounts/admin-cli.js';

await runAdminCli();
