/**
 * Turns a function's Hono app into a CloudEvent consumer at `POST /`, speaking the
 * Knative delivery contract: the answer tells the broker what to do next.
 *   2xx            done (200 + an event in binary mode = a reply, re-published)
 *   400            the event is invalid (bad CloudEvent, unknown type, data failing its
 *                  schema): never retried, it goes to the dead-letter sink
 *   401            EVENT_OIDC=on and no valid token for this function's audience
 *                  (platform/events/oidc.ts): checked before the event is read
 *   409 / 5xx      transient (a thrown error, a store down): retried with backoff
 * Redeliveries are expected (at least once): every consumer names its Dedupe store.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CloudEvent, HTTP } from 'cloudevents';
import type { Context } from 'hono';
import { plainHeaders } from '../http-headers.js';
import { InvalidCloudEventError, parseCloudEvent } from './parse.js';
import { isEventType, safeParseEventData, type EventData, type EventType } from '../../contracts/events.js';
import type { EventFunction } from '../../contracts/catalog-types.js';
import { createFunctionApp, limitBody, type FunctionApp } from '../app.js';
import { config } from '../config.js';
import { lazyChild, type Logger } from '../logger.js';
import { HttpProblem } from '../problem.js';
import { buildEvent, type EventInput } from './emit.js';
import type { Dedupe, ReplyEvent } from './idempotency.js';
import { eventAuthenticatorFromSettings } from './oidc.js';

export type TypedEvent<T extends EventType> = CloudEvent<EventData<T>> & { type: T; data: EventData<T> };

export interface EventContext {
  log: Logger;
  requestId: string;
  /** Builds a reply event from this function (validated against the catalog and its `emits`). */
  reply<T extends EventType>(input: EventInput<T>): CloudEvent<unknown>;
}

type Result = ReplyEvent | void;

export type EventHandler<T extends EventType, X extends object> = (event: TypedEvent<T>, ctx: EventContext & X) => Promise<Result> | Result;

/** Receives any event, data unvalidated (a dead-letter sink, an audit log). */
export type AnyEventHandler<X extends object> = (event: CloudEvent<unknown>, ctx: EventContext & X) => Promise<Result> | Result;

export type EventHandlers<X extends object> = { [T in EventType]?: EventHandler<T, X> } & { '*'?: AnyEventHandler<X> };

export interface ConsumerOptions<X extends object> {
  dedupe: Dedupe<X>;
  /** Defaults to "/", where Triggers deliver. */
  path?: string;
}

function invalid(detail: string, errors?: { path: string; message: string }[]): HttpProblem {
  return new HttpProblem(400, detail, errors ? { errors } : {});
}

/**
 * The request's headers as one plain object, lower-case names. On Node the server's own
 * parse is used (@hono/node-server passes the IncomingMessage as `env.incoming`): walking
 * the WHATWG Headers instead makes @hono/node-server materialise a full undici Headers,
 * validating every name and value, on every delivery.
 */
function headersOf(c: Context): Record<string, string> {
  const incoming = (c.env as { incoming?: { headers?: IncomingHttpHeaders } } | undefined)?.incoming?.headers;
  if (incoming) return plainHeaders(incoming);
  const plain: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => {
    plain[k] = v;
  });
  return plain;
}

/** The request's CloudEvent; HttpProblem 400 when it is not a valid one. */
async function eventOf(c: Context): Promise<CloudEvent<unknown>> {
  const body = await c.req.text();
  try {
    return parseCloudEvent(headersOf(c), body);
  } catch (err) {
    throw err instanceof InvalidCloudEventError ? invalid(err.message) : err;
  }
}

const jsonType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The event's data as a value: JSON bodies the SDK left as text (e.g. a charset variant) are parsed. */
function dataOf(event: CloudEvent<unknown>): unknown {
  const data = event.data;
  if (typeof data === 'string' && (event.datacontenttype === undefined || jsonType.test(event.datacontenttype))) {
    try {
      return JSON.parse(data);
    } catch {
      throw invalid('data is not valid JSON');
    }
  }
  if (Buffer.isBuffer(data) && (event.datacontenttype === undefined || jsonType.test(event.datacontenttype))) {
    try {
      return JSON.parse(data.toString('utf8'));
    } catch {
      throw invalid('data is not valid JSON');
    }
  }
  return data;
}

/** Registers the CloudEvent endpoint on an app made by createFunctionApp(spec). */
export function onEvents<X extends object>(app: FunctionApp, spec: EventFunction, handlers: EventHandlers<X>, opts: ConsumerOptions<X>): FunctionApp {
  const path = opts.path ?? '/';
  const maxSize = config().MAX_BODY_BYTES;
  // EVENT_OIDC=on: only a sender with a token for this function's audience gets its event
  // read (platform/events/oidc.ts); a bad setting fails start-up here, not each delivery.
  const authenticate = eventAuthenticatorFromSettings();
  app.use(path, limitBody(maxSize, 'event'));
  app.post(path, async (c) => {
    if (authenticate) await authenticate(c.req.header('authorization'));
    const event = await eventOf(c);
    const typed = handlers[event.type as EventType] as AnyEventHandler<X> | undefined;
    const handler = typed ?? handlers['*'];
    if (!handler) throw invalid(`${spec.name} does not handle events of type ${event.type}`);

    let delivered = event;
    if (typed) {
      const parsed = safeParseEventData(event.type, dataOf(event));
      if (!parsed.success) throw invalid(`invalid data for ${event.type}`, parsed.error.issues);
      delivered = event.cloneWith({ data: parsed.data }, false);
    }

    const log = lazyChild(c.get('log'), () => ({ ceId: event.id, ceType: event.type, ceSource: event.source }));
    const base: EventContext = { log, requestId: c.get('requestId'), reply: (input) => buildEvent(spec, input) };
    const { duplicate, reply } = await opts.dedupe.once({ source: event.source, id: event.id, type: event.type }, async (extra) => {
      const out = await handler(delivered, { ...base, ...extra });
      return out ?? undefined;
    });
    if (duplicate) log.info('duplicate delivery; already processed');
    if (!reply) return c.body(null, 202);

    if (isEventType(reply.type)) {
      const check = safeParseEventData(reply.type, reply.data);
      if (!check.success) throw check.error; // a bug in the handler: 500, retried, logged
    }
    const message = HTTP.binary(reply);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(message.headers)) headers[k] = String(v);
    return c.body(message.body as string, 200, headers);
  });
  return app;
}

/** createFunctionApp(spec) with the CloudEvent endpoint registered. */
export function createEventApp<X extends object>(spec: EventFunction, handlers: EventHandlers<X>, opts: ConsumerOptions<X>): FunctionApp {
  return onEvents(createFunctionApp(spec), spec, handlers, opts);
}
