/**
 * Sends one CloudEvent in binary content mode (the SDK builds the headers and body) over
 * pooled keep-alive connections, and reads the answer — including a reply event. Both
 * hot paths use it: functions publishing to K_SINK and the broker's dispatchers.
 * node:http rather than fetch: fetch builds WHATWG Request/Headers/stream objects and an
 * AbortSignal timer per call, which cost more CPU than the whole send here.
 */
import http from 'node:http';
import https from 'node:https';
import { HTTP, type CloudEvent } from 'cloudevents';
import { plainHeaders } from '../http-headers.js';
import { parseCloudEvent } from './parse.js';

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 }),
};

export interface SendResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface SendOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}

export function postEvent(url: string, event: CloudEvent<unknown>, opts: SendOptions): Promise<SendResult> {
  const message = HTTP.binary(event);
  // The SDK hands back a fresh object: add to it rather than copy it (hot path).
  const headers = message.headers as Record<string, string>;
  for (const k in headers) if (typeof headers[k] !== 'string') headers[k] = String(headers[k]);
  if (opts.headers) Object.assign(headers, opts.headers);
  const raw: unknown = message.body;
  const body = raw === undefined || raw === null ? undefined : Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? raw : Buffer.from(raw as Uint8Array);
  return send(url, headers, body, opts);
}

// A dispatcher sends to a handful of URLs millions of times: parse each once.
const parsed = new Map<string, { secure: boolean; hostname: string; port: string; path: string }>();
function target(url: string) {
  let t = parsed.get(url);
  if (!t) {
    const u = new URL(url);
    t = { secure: u.protocol === 'https:', hostname: u.hostname, port: u.port, path: `${u.pathname}${u.search}` };
    if (parsed.size > 1_000) parsed.clear();
    parsed.set(url, t);
  }
  return t;
}

function send(url: string, headers: Record<string, string>, body: string | Buffer | undefined, opts: SendOptions): Promise<SendResult> {
  headers['content-length'] = String(body === undefined ? 0 : Buffer.byteLength(body));
  return httpRequest('POST', url, headers, body, opts);
}

/**
 * One request over the pooled keep-alive agents; resolves with the whole answer, whatever
 * its status, and rejects only when no answer came (refused, reset, timed out). For the
 * platform's own service-to-service calls, where fetch's per-call objects cost more CPU
 * than the call.
 */
export function httpRequest(method: string, url: string, headers: Record<string, string>, body: string | Buffer | undefined, opts: { timeoutMs: number }): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const { secure, hostname, port, path } = target(url);
    const req = (secure ? https : http).request(
      {
        hostname,
        port,
        path,
        method,
        agent: secure ? agents.https : agents.http,
        headers,
        timeout: opts.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: plainHeaders(res.headers), body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The reply event in a 2xx answer (binary or structured), or undefined when there is none. */
export function replyOf(result: SendResult): CloudEvent<unknown> | undefined {
  const ct = result.headers['content-type'] ?? '';
  const looksLikeEvent = result.headers['ce-id'] !== undefined || ct.startsWith('application/cloudevents+');
  if (!looksLikeEvent) return undefined;
  return parseCloudEvent(result.headers, result.body.toString('utf8'));
}
