import type { EventInput } from '../../platform/events/emit.js';
import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { expireWaitingRides, scheduledRidesDue, startScheduledRide, type RideRow } from './store.js';
import { rideSettings } from './settings.js';
import { transitions } from './transitions.js';

const spec = eventSpec('rides-sweep');

/** Rides expired per transaction, and booked rides started per tick; the next batch (or tick) takes the rest. */
const BATCH = 200;

/**
 * The time-driven writes (store.ts startScheduledRide, expireWaitingRides) and the
 * settings: PostgreSQL and the service's settings by default, fakes in the unit test.
 */
export interface Stores {
  expire(timeoutSeconds: number, limit: number, eventOf: (expired: RideRow) => EventInput<'microride.ride.expired'>): Promise<number>;
  timeoutSeconds(): number;
  /** Booked rides whose lead time began. */
  scheduledDue(leadMinutes: number, limit: number): Promise<string[]>;
  /** Starts one; undefined when it moved meanwhile or its rider is on another ride. */
  startScheduled(id: string, eventOf: (started: RideRow) => EventInput<'microride.ride.requested'>): Promise<RideRow | undefined>;
  leadMinutes(): number;
}

const postgres: Stores = {
  expire: (timeoutSeconds, limit, eventOf) => expireWaitingRides(spec, timeoutSeconds, limit, eventOf),
  timeoutSeconds: () => rideSettings().RIDE_MATCHING_TIMEOUT_SECONDS,
  scheduledDue: (leadMinutes, limit) => scheduledRidesDue(leadMinutes, limit),
  startScheduled: (id, eventOf) => startScheduledRide(spec, id, eventOf),
  leadMinutes: () => rideSettings().SCHEDULED_MATCH_LEAD_MINUTES,
};

/**
 * Each tick: transitions.startMatching for booked rides whose lead time
 * (SCHEDULED_MATCH_LEAD_MINUTES before the pickup time) began, each with ride.requested so
 * matching offers it as any ride; then transitions.expire for rides nobody accepted within
 * RIDE_MATCHING_TIMEOUT_SECONDS, a batch per transaction until a batch comes back short.
 * Ticks are idempotent by nature: both are compare-and-sets.
 */
export async function handle(ctx: { log: Logger }, stores: Stores = postgres): Promise<{ started: number; expired: number }> {
  let started = 0;
  for (const id of await stores.scheduledDue(stores.leadMinutes(), BATCH)) {
    const row = await stores.startScheduled(id, (r) => ({
      type: transitions.startMatching.event,
      subject: r.id,
      data: {
        rideId: r.id,
        riderId: r.rider_id,
        pickup: { lat: r.pickup_lat, lon: r.pickup_lon },
        dropoff: { lat: r.dropoff_lat, lon: r.dropoff_lon },
        vehicleClass: r.vehicle_class,
        fare: { amount: r.quoted_amount, currency: r.currency },
        requestedAt: r.requested_at.toISOString(),
      },
    }));
    if (row) started++;
  }
  if (started > 0) ctx.log.info({ started }, 'booked rides started matching');

  let expired = 0;
  let n: number;
  do {
    n = await stores.expire(stores.timeoutSeconds(), BATCH, (r) => ({
      type: transitions.expire.event,
      subject: r.id,
      data: { rideId: r.id, riderId: r.rider_id },
    }));
    expired += n;
  } while (n === BATCH);
  if (expired > 0) ctx.log.info({ expired }, 'rides expired: nobody accepted in time');
  return { started, expired };
}

export default createEventApp(spec, { 'microride.matching.tick': async (_e, ctx) => { await handle(ctx); } }, { dedupe: noDedupe() });
