/**
 * `npm run admin -- create --email <email> --password <password> [--name <name>]`:
 * creates an admin account in DATABASE_URL's accounts schema (admins cannot register
 * themselves). `--password -` reads the password from stdin's first line, so it stays out
 * of the shell history and the process list. Exit codes: 0 created, 1 the email is taken,
 * 2 bad arguments, 78 a bad setting.
 */
import { parseArgs } from 'node:util';
import { config, exitOnConfigError } from '../platform/config.js';
import { closeClients } from '../platform/clients.js';
import { AdminAccountError, createAdmin } from '../functions/accounts/admin-account.js';

const USAGE = 'usage: npm run admin -- create --email <email> --password <password|-> [--name <name>]';

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: { email: { type: 'string' }; password: { type: 'string' }; name: { type: 'string' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } }, allowPositionals: true });
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
  const { email, name } = parsed.values;
  const password = parsed.values.password === '-' ? await readStdinLine() : parsed.values.password;
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

process.exitCode = await main();
