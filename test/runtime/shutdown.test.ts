/**
 * Graceful shutdown of a function process, as Knative does it: SIGTERM while a request
 * is in flight; the request must complete and the process must exit 0 within the limit.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

const fixture = new URL('./fixtures/slow-function.ts', import.meta.url).pathname;

async function waitForPort(child: ReturnType<typeof spawn>): Promise<number> {
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const m = /listening (\d+)/.exec(out);
    if (m) return Number(m[1]);
  }
  throw new Error(`fixture exited before listening: ${out}`);
}

describe('graceful shutdown', () => {
  it('finishes an in-flight request after SIGTERM, refuses new ones, exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await waitForPort(child);
    const inflight = fetch(`http://127.0.0.1:${port}/slow?ms=800`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await sleep(150); // the request is now being handled
    const started = Date.now();
    child.kill('SIGTERM');
    await sleep(100);
    const late = await fetch(`http://127.0.0.1:${port}/slow?ms=1`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(late).toBe('refused');
    expect(await inflight).toEqual({ status: 200, body: 'done after 800 ms' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops start-up with one line naming a malformed variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += String(c)));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(78);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^configuration error: PORT: /);
  });
});
