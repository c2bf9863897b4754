/**
 * The broker ingress (what K_SINK points at): `POST /` with a CloudEvent in binary or
 * structured mode. Invalid (or a knativebrokerttl that is not a positive integer) → 400.
 * Valid → stamped with the default knativebrokerttl if it has none (ttl.ts), published to
 * the Broker's headers exchange with a publisher confirm, and only then 202. A nack →
 * 500; no RabbitMQ → 503, which senders retry (Knative retries 5xx), so an acknowledged
 * event is never lost.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudEvent } from 'cloudevents';
import { plainHeaders } from '../../platform/http-headers.js';
import { InvalidCloudEventError, parseCloudEvent } from '../../platform/events/parse.js';
import type { Logger } from '../../platform/logger.js';
import { drain } from '../../platform/shutdown.js';
import { dataBytes, toPublish } from './amqp-message.js';
import { NackError, UnavailableError, type Publisher } from './publisher.js';
import { DEFAULT_BROKER_TTL, InvalidTtlError, parseTtl, TTL_ATTRIBUTE } from './ttl.js';

export interface IngressOptions {
  port: number;
  host?: string;
  publisher: Publisher;
  exchange: string;
  log: Logger;
  maxBodyBytes?: number;
  /** knativebrokerttl stamped on events that arrive without one (default DEFAULT_BROKER_TTL). */
  defaultTtl?: number;
}

export interface Ingress {
  url: string;
  port: number;
  close(): Promise<void>;
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function problem(res: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: 'about:blank', title: http.STATUS_CODES[status] ?? 'Error', status, detail });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BadRequest(413, `event larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The event and the bytes of its data, from a binary or structured request. */
export function parseRequest(headers: Record<string, string>, body: Buffer): { event: CloudEvent<unknown>; data: Buffer } {
  const structured = (headers['content-type'] ?? '').startsWith('application/cloudevents');
  let event: CloudEvent<unknown>;
  try {
    // Binary mode: only the attributes are parsed (as a Knative ingress does); the data
    // bytes go on untouched, and the SDK's JSON parser (which builds two Error objects
    // per call) stays off the hot path.
    event = parseCloudEvent(headers, structured ? body.toString('utf8') : undefined);
  } catch (err) {
    throw err instanceof InvalidCloudEventError ? new BadRequest(400, err.message) : err;
  }
  return { event, data: structured ? dataBytes(event) : body };
}

export function startIngress(opts: IngressOptions): Promise<Ingress> {
  const limit = opts.maxBodyBytes ?? 1024 * 1024;
  const stampDefaultTtl = { [TTL_ATTRIBUTE]: String(opts.defaultTtl ?? DEFAULT_BROKER_TTL) };
  // `component` is the broker's already (a second key would duplicate it in the JSON line).
  const log = opts.log.child({ part: 'ingress' });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/') return problem(res, 404, 'the broker ingress accepts events at POST /');
    if (req.method !== 'POST') return problem(res, 405, 'use POST', { allow: 'POST' });
    let event: CloudEvent<unknown>;
    let data: Buffer;
    try {
      ({ event, data } = parseRequest(plainHeaders(req.headers), await readBody(req, limit)));
    } catch (err) {
      const status = err instanceof BadRequest ? err.status : 400;
      return problem(res, status, (err as Error).message);
    }
    // Reply-loop guard: an event without knativebrokerttl gets the default; one with a
    // valid TTL keeps it (replies arrive with the TTL the dispatcher gave them).
    let ttl: number | undefined;
    try {
      ttl = parseTtl(event[TTL_ATTRIBUTE]);
    } catch (err) {
      if (err instanceof InvalidTtlError) return problem(res, 400, err.message);
      throw err;
    }
    const { content, options } = toPublish(event, data, ttl === undefined ? stampDefaultTtl : undefined);
    try {
      await opts.publisher.publish(opts.exchange, '', content, options);
    } catch (err) {
      if (err instanceof NackError) {
        log.error({ id: event.id, type: event.type }, 'RabbitMQ nacked an event');
        return problem(res, 500, err.message);
      }
      if (err instanceof UnavailableError) return problem(res, 503, err.message, { 'retry-after': '1' });
      log.error({ err, id: event.id }, 'publishing failed');
      return problem(res, 500, 'publishing failed');
    }
    res.writeHead(202, { 'content-length': '0' });
    res.end();
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'ingress failure');
      if (!res.headersSent) problem(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = 65_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
      resolve({ url: `http://${host}:${port}`, port, close: () => drain(server, 5_000) });
    });
  });
}
