/**
 * The dead-letter sink of every Trigger: an event the broker gave up on (retries spent,
 * or a non-retryable answer) arrives here with knativeerrordest, knativeerrorcode and
 * knativeerrordata. It is stored in eventing.dead_letters for inspection and replay, and
 * logged. Storing is idempotent by key (source, id, destination), so no Dedupe store.
 */
import type { CloudEvent } from 'cloudevents';
import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { insertDeadLetter, type DeadLetterRow } from './store.js';

const spec = eventSpec('eventing-deadletters');

/** The `alert` field of the error line logged per dead letter. */
export const DEAD_LETTER_ALERT = 'dead_letter';

function extension(event: CloudEvent<unknown>, name: string): string | undefined {
  // Extensions are own properties of the SDK's event object.
  const v = (event as unknown as Record<string, unknown>)[name];
  return v === undefined || v === null ? undefined : String(v);
}

/** knativeerrordata is base64; show it as text when it is printable UTF-8. */
export function decodeErrorData(data: string | undefined): string | undefined {
  if (!data) return undefined;
  const text = Buffer.from(data, 'base64').toString('utf8');
  return text.includes('\uFFFD') ? undefined : text;
}

/** Where dead letters go: eventing.dead_letters by default, a fake in the unit test. */
export interface Stores {
  insertDeadLetter(row: DeadLetterRow): Promise<void>;
}

/** Stores the dead letter with what the broker said about its failure, and logs it. */
export async function handle(event: CloudEvent<unknown>, ctx: { log: Logger }, stores: Stores = { insertDeadLetter }): Promise<void> {
  const dest = extension(event, 'knativeerrordest') ?? 'unknown';
  const codeText = extension(event, 'knativeerrorcode');
  const code = codeText !== undefined && /^\d+$/.test(codeText) ? Number(codeText) : null;
  const data = extension(event, 'knativeerrordata');
  const text = decodeErrorData(data);
  await stores.insertDeadLetter({
    source: event.source,
    id: event.id,
    type: event.type,
    subject: event.subject ?? null,
    error_dest: dest,
    error_code: code,
    error_data: data ?? null,
    error_text: text ?? null,
    event: event.toString(),
  });
  // The broker gave up on this event: someone has to look. One error line per dead letter
  // with a stable `alert` field; functions have no metrics endpoint, so counting these
  // lines is the metric.
  ctx.log.error({ alert: DEAD_LETTER_ALERT, source: event.source, id: event.id, type: event.type, dest, code, error: text?.slice(0, 300) }, 'dead letter stored');
}

export default createEventApp(spec, { '*': (event, ctx) => handle(event, ctx) }, { dedupe: noDedupe() });
