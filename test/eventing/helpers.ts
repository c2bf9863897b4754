/**
 * Test helpers for the eventing tests: a recording subscriber, Trigger shorthands, a
 * unique RabbitMQ name prefix per broker, and senders in both content modes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudEvent, HTTP } from 'cloudevents';
import type { TriggerDef } from '../../contracts/triggers.js';
import { plainHeaders } from '../../platform/http-headers.js';

export const AMQP_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A prefix unique to this worker (BROKER_PREFIX from test/setup/isolation.ts) and this broker. */
export function uniquePrefix(label: string): string {
  return `${process.env.BROKER_PREFIX ?? 'test.'}${label}.${randomBytes(3).toString('hex')}.`;
}

export function trigger(name: string, filter: Record<string, string>, over: Partial<TriggerDef> = {}): TriggerDef {
  return {
    name,
    broker: 'microride',
    filter,
    delivery: { retry: 2, backoffPolicy: 'linear', backoffDelay: 'PT0.05S' },
    parallelism: 4,
    subscriber: name,
    deadLetterSink: 'eventing-deadletters',
    ...over,
  };
}

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** performance.now() when the request arrived. */
  at: number;
  event: CloudEvent<unknown>;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Responder = (req: Received, nth: number) => Answer | Promise<Answer>;

export interface Subscriber {
  url: string;
  received: Received[];
  /** Requests grouped by path (one subscriber can stand in for several functions: /a, /b …). */
  on(path: string): Received[];
  waitFor(count: number, timeoutMs?: number, path?: string): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startSubscriber(respond: Responder = () => ({ status: 202 }), port = 0): Promise<Subscriber> {
  const received: Received[] = [];
  const listeners = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers = plainHeaders(req.headers);
        const body = Buffer.concat(chunks);
        const parsed = HTTP.toEvent<unknown>({ headers, body: body.length ? body.toString('utf8') : undefined });
        const r: Received = { path: req.url ?? '/', headers, body, at: performance.now(), event: parsed as CloudEvent<unknown> };
        received.push(r);
        let answer: Answer;
        try {
          answer = await respond(r, received.filter((x) => x.path === r.path).length);
        } catch {
          answer = { status: 500 };
        }
        for (const l of listeners) l();
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const on = (path: string) => received.filter((r) => r.path === path);
  return {
    url,
    received,
    on,
    waitFor(count, timeoutMs = 10_000, path) {
      const have = () => (path ? on(path) : received);
      return new Promise((resolve, reject) => {
        if (have().length >= count) return resolve(have());
        const check = () => {
          if (have().length >= count) {
            listeners.delete(check);
            clearTimeout(t);
            resolve(have());
          }
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`expected ${count} deliveries${path ? ` on ${path}` : ''}, got ${have().length} within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export function testEvent(type: string, data: unknown = { n: 1 }, extra: Record<string, string> = {}): CloudEvent<unknown> {
  return new CloudEvent<unknown>({ id: randomUUID(), source: '/microride/test', type, datacontenttype: 'application/json', data, ...extra });
}

export async function sendBinary(url: string, event: CloudEvent<unknown>): Promise<Response> {
  const m = HTTP.binary(event);
  return fetch(url, { method: 'POST', headers: m.headers as Record<string, string>, body: m.body as string });
}

export async function sendStructured(url: string, event: CloudEvent<unknown>): Promise<Response> {
  const m = HTTP.structured(event);
  return fetch(url, { method: 'POST', headers: m.headers as Record<string, string>, body: m.body as string });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exec = promisify(execFile);

/** Runs rabbitmqctl (the tests run as root on the machine that hosts RabbitMQ). */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await exec('rabbitmqctl', args, { timeout: 120_000 });
  return stdout;
}

/** Force-closes (server side) the AMQP connections whose connection_name starts with `prefix`. */
export async function dropConnections(prefix: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', '-q', 'pid', 'client_properties');
  let closed = 0;
  for (const line of out.split('\n')) {
    const pid = line.split('\t')[0];
    const name = /\{"connection_name","([^"]*)"\}/.exec(line)?.[1];
    if (!pid?.startsWith('<') || !name?.startsWith(prefix)) continue;
    await rabbitmqctl('close_connection', pid, 'test: dropping the connection');
    closed++;
  }
  return closed;
}
