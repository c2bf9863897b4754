import type { CloudEvent } from 'cloudevents';
import type { EventType } from '../../eventing/catalog.js';
import { eventSpec } from '../runtime/route.js';
import { createEventApp, type EventHandlers } from '../runtime/events/receive.js';
import { noDedupe } from '../runtime/events/idempotency.js';
import { applyRideEvent, RIDE_EVENT_TYPES } from './ride-log.js';

const spec = eventSpec('tracking-timeline');

/**
 * Every ride event lands in the ride's MongoDB document. No Dedupe store: the document
 * records the ids of the events applied, in the same atomic update as their effect.
 */
async function record(event: CloudEvent<unknown>): Promise<void> {
  await applyRideEvent({ id: event.id, source: event.source, type: event.type, time: event.time, data: event.data as Record<string, unknown> });
}

const handlers: EventHandlers<Record<never, never>> = Object.fromEntries(RIDE_EVENT_TYPES.map((t) => [t as EventType, record]));

export default createEventApp(spec, handlers, { dedupe: noDedupe() });
