/**
 * Starts one bundle the way a Knative pod does — `node dist/functions/<name>.mjs` with
 * PORT set and NODE_OPTIONS=--enable-source-maps (the image's), environment only — and
 * measures spawn → first 200 from /health/readiness (polled every few ms, like the
 * queue-proxy's startup probing). Used by bench/coldstart.bench.ts and test/deploy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function http(url: string, opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface Started {
  child: ChildProcess;
  url: string;
  /** spawn → first 200 from /health/readiness, ms */
  readyMs: number;
  /**
   * CPU time the process had used when it was ready, ms (Linux: /proc/<pid>/schedstat, in
   * ns): its main thread, and all its threads. Unlike readyMs it hardly moves with the
   * machine's load, so it compares across runs on a shared machine. Undefined elsewhere.
   */
  readyCpuMs?: { main: number; all: number };
  output(): string;
  stop(): Promise<number | null>;
}

export async function startBundle(file: string, env: Record<string, string>, opts: { timeoutMs?: number; pollMs?: number; cwd?: string; readyPath?: string } = {}): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(process.execPath, [file], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--enable-source-maps', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = t0 + (opts.timeoutMs ?? 15_000);
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (exited !== undefined) return resolve(exited);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  for (;;) {
    if (exited !== undefined) throw new Error(`${file} exited with ${exited} before it was ready:\n${out}`);
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`${file} not ready within ${opts.timeoutMs ?? 15_000} ms:\n${out}`);
    }
    try {
      const r = await http(`${url}${opts.readyPath ?? '/health/readiness'}`, { timeoutMs: 2_000 });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 2));
  }
  const readyMs = performance.now() - t0;
  return { child, url, readyMs, readyCpuMs: cpuMs(child.pid), output: () => out, stop };
}

function cpuMs(pid: number | undefined): Started['readyCpuMs'] {
  if (pid === undefined) return undefined;
  try {
    const onCpu = (path: string) => Number(readFileSync(path, 'utf8').split(' ')[0]) / 1e6;
    const tasks = readdirSync(`/proc/${pid}/task`);
    return { main: onCpu(`/proc/${pid}/schedstat`), all: tasks.reduce((sum, t) => sum + onCpu(`/proc/${pid}/task/${t}/schedstat`), 0) };
  } catch {
    return undefined;
  }
}
