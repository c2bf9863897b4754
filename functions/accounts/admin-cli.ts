/**
 * The admin-account command: `create` an admin in DATABASE_URL's accounts schema (admins
 * cannot register themselves). One implementation for both ways of running it, as the
 * migration job: `npm run admin -- create …` runs it from source (scripts/admin.ts), a
 * one-off Job in the cluster runs its bundle, dist/system/admin.mjs (scripts/build.ts),
 * with the account from a Secret (ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_NAME: each used when
 * its flag is absent). `--password -` reads the password from stdin's first line, so it
 * stays out of the shell history and the process list.
 * Exit codes: 0 created, 1 the email is taken, 2 bad arguments, 78 a bad setting.
 */
import { parseArgs } from 'node:util';
import { config, exitOnConfigError } from '../../platform/config.js';
import { closeClients } from '../../platform/clients.js';
import { AdminAccountError, createAdmin } from './admin-account.js';

export const USAGE = 'usage: npm run admin -- create --email <email> --password <password|-> [--name <name>]  (or ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_NAME)';

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

const options = { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } } as const;

/** Runs the command in `argv` (without node and the script); resolves with the exit code. */
export async function adminCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (command !== 'create' || rest.length > 0) {
    process.stderr.write(`${command ? `unknown command "${[command, ...rest].join(' ')}"` : 'missing command'}\n${USAGE}\n`);
    return 2;
  }
  try {
    config();
  } catch (err) {
    exitOnConfigError(err);
  }
  const email = parsed.values.email ?? env.ADMIN_EMAIL;
  const name = parsed.values.name ?? env.ADMIN_NAME;
  const given = parsed.values.password ?? env.ADMIN_PASSWORD;
  const password = given === '-' ? await readStdinLine() : given;
  try {
    const user = await createAdmin({ email, password, ...(name !== undefined ? { name } : {}) });
    process.stdout.write(`${JSON.stringify({ created: user })}\n`);
    return 0;
  } catch (err) {
    if (err instanceof AdminAccountError) {
      process.stderr.write(`${err.message}\n${err.kind === 'invalid' ? `${USAGE}\n` : ''}`);
      return err.kind === 'invalid' ? 2 : 1;
    }
    throw err;
  } finally {
    await closeClients();
  }
}

/** Process entry (the Job's bundle): the command from argv, then exit with its code. */
export async function runAdminCli(): Promise<never> {
  const code = await adminCommand(process.argv.slice(2));
  process.exit(code);
}
