/**
 * Runs `npm start`'s platform in a child process with its own namespaces, so the load
 * generator never shares an event loop (or a core's time slice accounting) with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';

export interface PlatformProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startPlatformProcess(env: Record<string, string> = {}): Promise<PlatformProcess> {
  const id = `bench${randomBytes(3).toString('hex')}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      INTERNAL_PORT: '0',
      NOTIFIER_EVENTS_PORT: '0',
      LOG_LEVEL: 'warn',
      PG_SCHEMA_PREFIX: `${id}_`,
      REDIS_PREFIX: `${id}:`,
      MONGO_DB: id,
      BROKER_PREFIX: `${id}.`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += String(c);
      const m = /API gateway\s+(http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`platform exited (${code}) before it was up:\n${out}`)));
  });
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
