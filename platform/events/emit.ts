/**
 * Emitting CloudEvents: build one from a function's catalog entry (source
 * /microride/<function>, subject = entity id, data validated against the event
 * catalog) and POST it to K_SINK in binary content mode. A function that changes state
 * does not call sendEvent directly: it enqueues into its outbox (outbox.ts) in the same
 * transaction, and the relay sends.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { parseEventData, type EventData, type EventDataInput, type EventType } from '../../contracts/events.js';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { requireConfig } from '../config.js';
import { postEvent, type SendResult } from './http-send.js';
import { EmitError } from './emit-error.js';

export interface EventInput<T extends EventType> {
  type: T;
  /** The entity the event is about (a ride id, a user id …). */
  subject: string;
  data: EventDataInput<T>;
  /** Defaults to a fresh UUID; pass one to make a retried emit the same event. */
  id?: string;
  /** Defaults to now. */
  time?: string;
}

export type MicroRideEvent<T extends EventType> = CloudEvent<EventData<T>> & { type: T };

export const sourceOf = (spec: Pick<FunctionSpec, 'name'>): string => `/microride/${spec.name}`;

/** Throws if the function does not declare the type in its catalog `emits`, or if data is invalid (EventDataError). */
export function buildEvent<T extends EventType>(spec: Pick<FunctionSpec, 'name' | 'emits'>, input: EventInput<T>): MicroRideEvent<T> {
  if (!spec.emits.includes(input.type)) {
    throw new Error(`${spec.name} emits ${input.type} but its catalog entry does not list it in "emits" (contracts/catalog.ts)`);
  }
  const data = parseEventData(input.type, input.data);
  return new CloudEvent<EventData<T>>({
    id: input.id ?? randomUUID(),
    source: sourceOf(spec),
    type: input.type,
    subject: input.subject,
    time: input.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  }) as MicroRideEvent<T>;
}

export { EmitError } from './emit-error.js';

export interface SendOptions {
  /** Defaults to K_SINK. */
  sink?: string;
  timeoutMs?: number;
  /** Extra request headers, e.g. the Authorization of a direct call (oidc.ts callAuthHeaders). */
  headers?: Record<string, string>;
}

/** POSTs the event in binary mode; resolves on 2xx, throws EmitError otherwise. */
export async function sendEvent(event: CloudEvent<unknown>, opts: SendOptions = {}): Promise<void> {
  const sink = opts.sink ?? requireConfig('K_SINK', 'the broker ingress that emitted events are sent to');
  let res: SendResult;
  try {
    res = await postEvent(sink, event, { timeoutMs: opts.timeoutMs ?? 10_000, ...(opts.headers ? { headers: opts.headers } : {}) });
  } catch (err) {
    throw new EmitError(`could not reach ${sink}: ${(err as Error).message}`, undefined);
  }
  if (res.status >= 200 && res.status < 300) return;
  const detail = res.body.toString('utf8').slice(0, 500);
  throw new EmitError(`${sink} answered ${res.status} to ${event.type} ${event.id}: ${detail}`, res.status);
}

/** buildEvent + sendEvent, for functions that change no state of their own. */
export async function emitEvent<T extends EventType>(
  spec: Pick<FunctionSpec, 'name' | 'emits'>,
  input: EventInput<T>,
  opts: SendOptions = {},
): Promise<MicroRideEvent<T>> {
  const event = buildEvent(spec, input);
  await sendEvent(event, opts);
  return event;
}
