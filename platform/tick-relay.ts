/**
 * The tick relay (cluster only; `npm start` uses a timer). A Knative PingSource can only
 * emit `dev.knative.sources.ping`, while scheduled functions subscribe to a catalog type
 * such as `microride.matching.tick`. Each PingSource therefore carries the extension
 * `microridetick: <type>`; a Trigger on pings delivers it here, and the relay answers with
 * that event as the reply, which the Broker publishes to every Trigger on that type.
 *
 * Plain node:http, no store, no dependency: it starts in a few milliseconds from zero.
 * The tick id is derived from the ping's id, so a redelivered ping is the same tick; the
 * tick itself is the one the local ticker sends (platform/tick.ts).
 *
 * Env: PORT (Knative sets it), TICK_TYPES (comma-separated types it may emit).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onSignals } from './shutdown.js';
import { TICK_EXTENSION, tickEvent, tickMessage } from './tick.js';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(text);
}

const problem = (status: number, detail: string) => ({ type: 'about:blank', title: status === 400 ? 'Bad Request' : 'Method Not Allowed', status, detail });

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The ping's id and requested tick type, from a binary- or structured-mode CloudEvent. */
function pingOf(req: IncomingMessage, body: string): { id?: string; type?: string } {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  if (/^application\/cloudevents\+json/i.test(header('content-type') ?? '')) {
    try {
      const ev = JSON.parse(body) as Record<string, unknown>;
      return { id: typeof ev.id === 'string' ? ev.id : undefined, type: typeof ev[TICK_EXTENSION] === 'string' ? (ev[TICK_EXTENSION] as string) : undefined };
    } catch {
      return {};
    }
  }
  return { id: header('ce-id'), type: header(`ce-${TICK_EXTENSION}`) };
}

export interface TickRelay {
  url: string;
  close(): Promise<void>;
}

export function startTickRelay(opts: { port: number; host?: string; types: readonly string[] }): Promise<TickRelay> {
  const allowed = new Set(opts.types);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/health/liveness' || path === '/health/readiness')) {
      send(res, 200, { status: path.endsWith('readiness') ? 'ready' : 'ok', function: 'tick-relay' });
      return;
    }
    if (req.method !== 'POST' || path !== '/') {
      send(res, 405, problem(405, 'POST / with a CloudEvent'), { allow: 'POST' });
      return;
    }
    readBody(req)
      .then((body) => {
        const ping = pingOf(req, body);
        if (!ping.id) return send(res, 400, problem(400, 'not a CloudEvent (no id)'));
        if (!ping.type || !allowed.has(ping.type)) {
          return send(res, 400, problem(400, `extension ${TICK_EXTENSION} must be one of: ${[...allowed].join(', ') || '(none configured)'}`));
        }
        const tick = tickMessage(tickEvent(ping.type, `tick-${ping.id}`));
        res.writeHead(200, tick.headers);
        res.end(tick.body);
      })
      .catch((err: unknown) => send(res, 400, problem(400, (err as Error).message)));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * Process entry (dist/system/tick-relay.mjs). Its two settings are read by hand: the relay
 * is the one workload that carries no zod and no store client, so it starts in a few ms.
 */
export async function runTickRelay(): Promise<void> {
  const types = (process.env.TICK_TYPES ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const port = Number(process.env.PORT ?? 8080);
  const bad = types.length === 0 ? 'TICK_TYPES: required (the tick event types this relay may emit, comma-separated)' : !Number.isInteger(port) || port < 0 || port > 65535 ? `PORT: must be a port number (got "${process.env.PORT}")` : undefined;
  if (bad) {
    process.stderr.write(`configuration error: ${bad}\n`);
    process.exit(78); // EX_CONFIG, as exitOnConfigError
  }
  const relay = await startTickRelay({ port, types });
  process.stdout.write(`${JSON.stringify({ level: 30, fn: 'tick-relay', url: relay.url, types, msg: 'listening' })}\n`);
  onSignals({ stop: () => relay.close() });
}
