/**
 * A FerretDB process of its own for one test file (the binary `scripts/ferretdb.sh path`
 * builds, SQLite backend in a temporary directory, a free port), so a fault test can
 * `kill -9` it and start it again on the same data without touching the machine's FerretDB.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from './free-port.js';

export interface PrivateFerretDb {
  readonly url: string;
  readonly pid: number | undefined;
  /** Starts the process and resolves once it answers a ping. */
  start(timeoutMs?: number): Promise<void>;
  /** kill -9; resolves once the process has exited. */
  crash(): Promise<void>;
  destroy(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pings(url: string): Promise<boolean> {
  const c = new MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await c.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await c.close().catch(() => undefined);
  }
}

export async function createPrivateFerretDb(): Promise<PrivateFerretDb> {
  const root = new URL('../../', import.meta.url).pathname;
  const binary = execFileSync('bash', [join(root, 'scripts/ferretdb.sh'), 'path'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'microride-ferretdb-'));
  mkdirSync(join(dir, 'data'));
  const url = `mongodb://127.0.0.1:${port}`;
  const args = [`--listen-addr=127.0.0.1:${port}`, '--telemetry=disable', '--debug-addr=-', `--state-dir=${dir}`, '--log-level=warn', '--handler=sqlite', `--sqlite-url=file:${dir}/data/?_pragma=synchronous(normal)`];
  let child: ChildProcess | undefined;
  let output = '';
  const onExit = () => child?.kill('SIGKILL');
  process.on('exit', onExit);
  const db: PrivateFerretDb = {
    url,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async start(timeoutMs = 30_000) {
      if (db.pid !== undefined) throw new Error('FerretDB is already running');
      output = '';
      const c = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      const keep = (b: Buffer) => {
        output = (output + b.toString('utf8')).slice(-4_000);
      };
      c.stdout?.on('data', keep);
      c.stderr?.on('data', keep);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`FerretDB exited during start:\n${output}`);
        if (await pings(url)) return;
        if (Date.now() > deadline) throw new Error(`FerretDB did not answer within ${timeoutMs} ms:\n${output}`);
        await sleep(100);
      }
    },
    async crash() {
      const c = child;
      if (!c || db.pid === undefined) throw new Error('FerretDB is not running');
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
    async destroy() {
      if (db.pid !== undefined) await db.crash();
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return db;
}
