import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { drain, loggedSteps, onSignals } from './shutdown.js';

async function serverWith(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('drain', () => {
  it('lets an in-flight request finish, closes an idle keep-alive socket, refuses newcomers', async () => {
    const { server, url } = await serverWith((req, res) => {
      const ms = req.url === '/slow' ? 300 : 0;
      setTimeout(() => res.end(`done ${req.url}`), ms);
    });
    const agent = new http.Agent({ keepAlive: true });
    expect(await get(`${url}/fast`, agent)).toEqual({ status: 200, body: 'done /fast' }); // leaves an idle socket
    const inflight = get(`${url}/slow`);
    await sleep(50);
    const started = Date.now();
    const drained = drain(server, 5_000);
    await expect(get(`${url}/late`)).rejects.toThrow();
    expect(await inflight).toEqual({ status: 200, body: 'done /slow' });
    await drained;
    expect(Date.now() - started).toBeLessThan(2_000); // the idle keep-alive socket did not hold it up
    agent.destroy();
  });

  it('cuts a request that outlives the timeout', async () => {
    const { server, url } = await serverWith(() => undefined); // never answers
    const hung = get(`${url}/hang`).catch((err: Error) => err.message);
    await sleep(50);
    const started = Date.now();
    await drain(server, 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(await hung).toMatch(/socket hang up|ECONNRESET/);
  });
});

describe('onSignals', () => {
  let handlers: Map<string, (signal: NodeJS.Signals) => void>;
  let exit: ReturnType<typeof vi.fn>;

  function install(opts: Parameters<typeof onSignals>[0]): void {
    handlers = new Map();
    vi.spyOn(process, 'on').mockImplementation(((event: string, fn: (s: NodeJS.Signals) => void) => {
      handlers.set(event, fn);
      return process;
    }) as typeof process.on);
    exit = vi.fn();
    vi.spyOn(process, 'exit').mockImplementation(exit as unknown as typeof process.exit);
    onSignals(opts);
  }

  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('on SIGTERM or SIGINT says so, stops once, says it stopped and exits 0', async () => {
    const said: string[] = [];
    const stop = vi.fn(async () => void said.push('stop'));
    install({ stop, stopping: (s) => said.push(`stopping ${s}`), stopped: () => said.push('stopped') });
    expect([...handlers.keys()]).toEqual(['SIGTERM', 'SIGINT']);
    handlers.get('SIGINT')!('SIGINT');
    handlers.get('SIGTERM')!('SIGTERM'); // a second signal while stopping is ignored
    await vi.waitFor(() => expect(exit).toHaveBeenCalled());
    expect(said).toEqual(['stopping SIGINT', 'stop', 'stopped']);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('listens to the signals it is given only', () => {
    install({ stop: async () => undefined, signals: ['SIGTERM'] });
    expect([...handlers.keys()]).toEqual(['SIGTERM']);
  });

  it('exits 1 when stopping fails, whether stop rejects or throws at once', async () => {
    for (const stop of [() => Promise.reject(new Error('pool would not close')), () => { throw new Error('pool would not close'); }]) {
      const failed = vi.fn();
      install({ stop, failed, stopped: () => expect.fail('not stopped') });
      handlers.get('SIGTERM')!('SIGTERM');
      await vi.waitFor(() => expect(exit).toHaveBeenCalled());
      expect(exit).toHaveBeenCalledWith(1);
      expect((failed.mock.calls[0]![0] as Error).message).toBe('pool would not close');
      vi.restoreAllMocks();
    }
  });

  it('exits 1 when stopping outlasts the deadline', async () => {
    vi.useFakeTimers();
    const tooLong = vi.fn();
    install({ stop: () => new Promise(() => undefined), deadlineMs: 1_000, tooLong });
    handlers.get('SIGTERM')!('SIGTERM');
    vi.advanceTimersByTime(999);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(tooLong).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
  });
});

describe('loggedSteps', () => {
  it('logs each step on the logger it is given, made when first needed', () => {
    const lines: unknown[][] = [];
    const log = { info: (...a: unknown[]) => void lines.push(['info', ...a]), error: (...a: unknown[]) => void lines.push(['error', ...a]) };
    const make = vi.fn(() => log as never);
    const steps = loggedSteps(make);
    expect(make).not.toHaveBeenCalled();
    const err = new Error('x');
    steps.stopping('SIGTERM');
    steps.stopped();
    steps.tooLong();
    steps.failed(err);
    expect(make).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([
      ['info', { signal: 'SIGTERM' }, 'shutting down'],
      ['info', 'stopped'],
      ['error', 'shutdown took too long; exiting'],
      ['error', { err }, 'error while shutting down'],
    ]);
  });
});
