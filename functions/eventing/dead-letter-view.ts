/** A stored dead letter as the operations endpoints show it, and the event a replay re-publishes. */
import { CloudEvent } from 'cloudevents';
import type { DeadLetter } from './schemas.js';
import type { StoredDeadLetter } from './store.js';

export function toDeadLetter(r: StoredDeadLetter): DeadLetter {
  return {
    id: r.row_id,
    eventId: r.id,
    source: r.source,
    type: r.type,
    subject: r.subject,
    receivedAt: r.received_at.toISOString(),
    knativeerrordest: r.error_dest,
    knativeerrorcode: r.error_code,
    knativeerrordata: r.error_data,
    errorText: r.error_text,
    replays: r.replays,
    replayedAt: r.replayed_at ? r.replayed_at.toISOString() : null,
    event: r.event,
  };
}

/**
 * Attributes the broker added on its way to the dead-letter sink: the failure
 * (knativeerror*) and the reply-loop budget (knativebrokerttl). A replay sends the event as
 * its producer did, so the broker starts it afresh.
 */
const BROKER_ADDED = ['knativeerrordest', 'knativeerrorcode', 'knativeerrordata', 'knativebrokerttl'];

/** The original CloudEvent of a dead letter: same id, source, type, time and data. */
export function originalEvent(stored: Record<string, unknown>): CloudEvent<unknown> {
  const attrs = Object.fromEntries(Object.entries(stored).filter(([k]) => !BROKER_ADDED.includes(k)));
  // Not strict: it was a valid event when it was first published, whatever extensions it carries.
  return new CloudEvent<unknown>(attrs, false);
}
