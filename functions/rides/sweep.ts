import type { EventInput } from '../../platform/events/emit.js';
import type { Logger } from '../../platform/logger.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { expireWaitingRides, type RideRow } from './store.js';
import { rideSettings } from './settings.js';
import { transitions } from './transitions.js';

const spec = eventSpec('rides-sweep');

/** Rides expired per transaction; the next batch (or tick) takes the rest. */
const BATCH = 200;

/** The expiring transaction (store.ts expireWaitingRides) and the timeout: PostgreSQL and the service's settings by default, fakes in the unit test. */
export interface Stores {
  expire(timeoutSeconds: number, limit: number, eventOf: (expired: RideRow) => EventInput<'microride.ride.expired'>): Promise<number>;
  timeoutSeconds(): number;
}

const postgres: Stores = {
  expire: (timeoutSeconds, limit, eventOf) => expireWaitingRides(spec, timeoutSeconds, limit, eventOf),
  timeoutSeconds: () => rideSettings().RIDE_MATCHING_TIMEOUT_SECONDS,
};

/**
 * transitions.expire: a ride nobody accepted within RIDE_MATCHING_TIMEOUT_SECONDS becomes
 * `expired`, one event each, a batch per transaction until a batch comes back short. Ticks
 * are idempotent by nature. Returns how many expired.
 */
export async function handle(ctx: { log: Logger }, stores: Stores = postgres): Promise<number> {
  let total = 0;
  let n: number;
  do {
    n = await stores.expire(stores.timeoutSeconds(), BATCH, (r) => ({
      type: transitions.expire.event,
      subject: r.id,
      data: { rideId: r.id, riderId: r.rider_id },
    }));
    total += n;
  } while (n === BATCH);
  if (total > 0) ctx.log.info({ expired: total }, 'rides expired: nobody accepted in time');
  return total;
}

export default createEventApp(spec, { 'microride.matching.tick': async (_e, ctx) => { await handle(ctx); } }, { dedupe: noDedupe() });
