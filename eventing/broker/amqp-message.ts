/**
 * CloudEvent ⇄ AMQP message, the way eventing-rabbitmq maps them: every context
 * attribute (and extension) becomes a message header under its CloudEvent name, so the
 * headers exchange can match Trigger filters on them; the body is the event's data.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import type { Message, Options } from 'amqplib';
import type { Logger } from '../../platform/logger.js';
import { TTL_ATTRIBUTE } from './ttl.js';

type AnyEvent = CloudEvent<unknown>;

/** Context attributes and extensions as strings (the binary-mode view of an event). */
export function attributesOf(event: AnyEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined || value === null || key === 'data' || key === 'data_base64') continue;
    out[key] = key === 'time' ? new Date(value as string).toISOString() : String(value);
  }
  return out;
}

/** The data bytes as a binary-mode HTTP body would carry them (the SDK decides the encoding). */
export function dataBytes(event: AnyEvent): Buffer {
  const body: unknown = HTTP.binary(event).body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(String(body), 'utf8');
}

/** `extra` adds or overrides headers (attributes the broker stamps, e.g. knativebrokerttl). */
export function toPublish(event: AnyEvent, data: Buffer, extra?: Record<string, string>): { content: Buffer; options: Options.Publish } {
  const headers = attributesOf(event);
  if (extra) Object.assign(headers, extra);
  return {
    content: data,
    options: {
      headers,
      messageId: event.id,
      ...(event.datacontenttype ? { contentType: event.datacontenttype } : {}),
      timestamp: Math.floor(Date.now() / 1000),
      persistent: true,
    },
  };
}

export class NotACloudEventError extends Error {
  constructor(detail: string) {
    super(`message is not a CloudEvent: ${detail}`);
    this.name = 'NotACloudEventError';
  }
}

// Text payloads travel as strings: the SDK base64-encodes every Buffer it is given,
// which is wasted work on the dispatcher's hot path.
const textual = /^(?:application\/(?:[\w.+-]+\+)?json|text\/)/i;

/** Rebuilds the event from a delivered message; data is the body as sent (text, or bytes). */
export function fromDelivery(msg: Pick<Message, 'content' | 'properties'>): CloudEvent<Buffer | string> {
  const raw = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // x-* are RabbitMQ's own (x-death, x-delivery-count …), never CloudEvent attributes;
    // the TTL is the broker's own bookkeeping, which Knative keeps from subscribers too
    // (the dispatcher reads it from the message headers).
    if (key.startsWith('x-') || key === TTL_ATTRIBUTE || value === undefined || value === null) continue;
    attrs[key] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  if (!attrs.id || !attrs.source || !attrs.type || !attrs.specversion) {
    throw new NotACloudEventError('id, source, type and specversion headers are required');
  }
  if (!msg.content.length) return new CloudEvent<Buffer | string>(attrs, false);
  const ct = attrs.datacontenttype;
  const data = ct === undefined || textual.test(ct) ? msg.content.toString('utf8') : msg.content;
  return new CloudEvent<Buffer | string>({ ...attrs, data }, false);
}

/**
 * The event in a delivered message, or null (logged) when the message is not a
 * CloudEvent: such a message can never be delivered, so consumers drop it.
 */
export function eventOrDrop(msg: Pick<Message, 'content' | 'properties'>, log: Pick<Logger, 'error'>, what: string): CloudEvent<Buffer | string> | null {
  try {
    return fromDelivery(msg);
  } catch (err) {
    log.error({ err: (err as Error).message }, `dropping ${what} that is not a CloudEvent`);
    return null;
  }
}
