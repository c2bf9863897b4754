import type { CloudEvent } from 'cloudevents';
import type { EventType } from '../../contracts/events.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp, type EventHandlers } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { applyRideEvent } from './ride-log.js';
import { RIDE_EVENT_TYPES } from './lifecycle.js';

const spec = eventSpec('tracking-timeline');

/**
 * Every ride event lands in the ride's timeline (MongoDB, insert-only) and its live state
 * (Redis). No Dedupe store: the timeline document's _id is the event key and the live
 * state keeps a seen-set, so both steps recognise a redelivery themselves (ride-log.ts).
 */
async function record(event: CloudEvent<unknown>): Promise<void> {
  await applyRideEvent({ id: event.id, source: event.source, type: event.type, time: event.time, data: event.data as Record<string, unknown> });
}

const handlers: EventHandlers<Record<never, never>> = Object.fromEntries(RIDE_EVENT_TYPES.map((t) => [t as EventType, record]));

export default createEventApp(spec, handlers, { dedupe: noDedupe() });
