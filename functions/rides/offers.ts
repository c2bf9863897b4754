import { randomUUID } from 'node:crypto';
import type { EventData } from '../../contracts/events.js';
import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { buildEvent, type EventInput } from '../../platform/events/emit.js';
import { publishDerived } from '../../platform/events/outbox.js';
import { recordOfferRound, type RoundOutcome } from './store.js';
import { transitions } from './transitions.js';

const spec = eventSpec('rides-offers');

type Offered = EventInput<'microride.ride.offered'> & { id: string; time: string };

/** The round's statement (store.ts recordOfferRound) and the publish after it: PostgreSQL and the broker by default, fakes in the unit test. */
export interface Stores {
  recordRound(d: EventData<'microride.matching.offer_decided'>, head: Omit<Offered, 'data'>): Promise<RoundOutcome | undefined>;
  /** Publishes the event whose outbox row the statement committed. */
  publish(event: Offered): void;
}

const postgres: Stores = {
  recordRound: (d, head) => recordOfferRound(spec, d, head),
  publish: (event) => {
    publishDerived(spec, event);
  },
};

/**
 * Matching decided whom to offer the ride (transitions.offer): record the round (drivers
 * may accept from now on), move the ride to matching, and tell the drivers (ride.offered).
 * A decision for a ride that moved on meanwhile (accepted, cancelled, expired) is dropped.
 * Redelivered, it offers nobody new and sends nothing: idempotent without a
 * processed-event mark.
 */
export async function handle(d: EventData<'microride.matching.offer_decided'>, ctx: { log: Logger }, stores: Stores = postgres): Promise<void> {
  const head = { type: transitions.offer.event, subject: d.rideId, id: randomUUID(), time: new Date().toISOString() };
  const offered = (riderId: string, driverIds: string[]): Offered => ({ ...head, data: { rideId: d.rideId, riderId, driverIds, expiresAt: d.expiresAt, round: d.round } });
  // Checked before the write: the statement only fills in the rider (a uuid column) and
  // narrows the decided drivers to those it offered.
  buildEvent(spec, offered(d.rideId, d.driverIds));
  const outcome = await stores.recordRound(d, head);
  if (!outcome?.rider_id) {
    ctx.log.info({ rideId: d.rideId, round: d.round }, 'offer round for a ride no longer matching; dropped');
    return;
  }
  if (outcome.driver_ids.length > 0) stores.publish(offered(outcome.rider_id, outcome.driver_ids));
}

export default createEventApp(spec, { 'microride.matching.offer_decided': (e, ctx) => handle(e.data, ctx) }, { dedupe: noDedupe() });
