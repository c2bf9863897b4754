/** `npm run admin -- create`, run as an operator would (a child process on the same database). */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { usePlatform } from '../helpers/platform.js';
import { post, uniqueEmail } from '../helpers/users.js';

const env = usePlatform(['accounts']);

function admin(args: string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The child inherits this worker's schema prefix and settings (test/setup/isolation.ts).
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], { env: { ...process.env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

// Each run starts tsx from scratch: seconds on a busy machine.
describe('npm run admin -- create', { timeout: 90_000 }, () => {
  it('creates an admin who can sign in; the same email again is refused with a clear message', async () => {
    const email = uniqueEmail('ops');
    const made = await admin(['create', '--email', email, '--password', 'long enough password']);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ created: { email, role: 'admin', status: 'active' } });
    const login = await post(env.url, '/api/v1/auth/login', { email, password: 'long enough password' });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { role: string } }).user.role).toBe('admin');

    const again = await admin(['create', '--email', email.toUpperCase(), '--password', 'another long password']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    // The first password still works: nothing was changed.
    expect((await post(env.url, '/api/v1/auth/login', { email, password: 'long enough password' })).status).toBe(200);
  });

  it('reads the password from stdin with --password -', async () => {
    const email = uniqueEmail('ops');
    const made = await admin(['create', '--email', email, '--password', '-', '--name', 'Night shift'], 'from stdin 12345\n');
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ created: { email, name: 'Night shift' } });
    expect((await post(env.url, '/api/v1/auth/login', { email, password: 'from stdin 12345' })).status).toBe(200);
  });

  it('takes the account from ADMIN_EMAIL / ADMIN_PASSWORD when the flags are absent (the cluster Job’s Secret)', async () => {
    const email = uniqueEmail('ops');
    const made = await admin(['create'], undefined, { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'from the secret 1' });
    expect(made.code, made.stderr).toBe(0);
    expect((await post(env.url, '/api/v1/auth/login', { email, password: 'from the secret 1' })).status).toBe(200);
  });

  it('names every bad field, and a bad command, with exit code 2', async () => {
    const bad = await admin(['create', '--email', 'nope', '--password', 'short']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--email: must be an email address');
    expect(bad.stderr).toContain('--password: must be at least 10 characters');
    const missing = await admin(['create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--email/);
    expect(missing.stderr).toMatch(/--password/);
    const unknown = await admin(['delete', '--email', 'a@b.c']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "delete"/);
  });
});
