import type { CloudEvent } from 'cloudevents';
import type { EventType } from '../../contracts/events.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp, type EventHandlers } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { applyRideEvent, rideLogStores, type ApplyOutcome, type RideEvent, type RideLogStores } from './ride-log.js';
import { RIDE_EVENT_TYPES } from './lifecycle.js';

const spec = eventSpec('tracking-timeline');

/** MongoDB's timeline, Redis' live state and the live index by default; fakes in the unit test. */
export type Stores = RideLogStores;

/**
 * Every ride event lands in the ride's timeline (MongoDB, insert-only) and its live state
 * (Redis). No Dedupe store: the timeline document's _id is the event key and the live
 * state keeps a seen-set, so both steps recognise a redelivery themselves (ride-log.ts).
 */
export async function handle(event: RideEvent, stores: Stores = rideLogStores): Promise<ApplyOutcome> {
  return applyRideEvent(event, new Date(), stores);
}

const record = async (e: CloudEvent<unknown>): Promise<void> => {
  await handle({ id: e.id, source: e.source, type: e.type, time: e.time, data: e.data as Record<string, unknown> });
};

const handlers: EventHandlers<Record<never, never>> = Object.fromEntries(RIDE_EVENT_TYPES.map((t) => [t as EventType, record]));

export default createEventApp(spec, handlers, { dedupe: noDedupe() });
