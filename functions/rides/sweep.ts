import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import { db } from '../../platform/clients.js';
import { ridesSchema, type RideRow } from './store.js';
import { rideSettings } from './settings.js';

const spec = eventSpec('rides-sweep');

/** Rides expired per transaction; the next tick takes the rest. */
const BATCH = 200;

/**
 * A ride nobody accepted within RIDE_MATCHING_TIMEOUT_SECONDS becomes `expired`: the
 * same CAS as every transition (only from requested/matching), one event per ride, in
 * one transaction. SKIP LOCKED lets two sweeps (two pods, two ticks) split the work, and
 * lets an accept that holds the row win over the sweep. Ticks are idempotent by nature.
 */
export async function expireStaleRides(): Promise<number> {
  const timeout = rideSettings().RIDE_MATCHING_TIMEOUT_SECONDS;
  return db().transaction(async (trx) => {
    const res = (await trx.raw(
      `update ??.rides r set status = 'expired', expired_at = now(), updated_at = now()
       where r.id in (select id from ??.rides
                      where status in ('requested', 'matching') and requested_at < now() - (? * interval '1 second')
                      order by requested_at limit ? for update skip locked)
         and r.status in ('requested', 'matching')
       returning r.*`,
      [ridesSchema(), ridesSchema(), timeout, BATCH],
    )) as { rows: RideRow[] };
    for (const r of res.rows) {
      await enqueueEvent(trx, spec, { type: 'microride.ride.expired', subject: r.id, data: { rideId: r.id, riderId: r.rider_id } });
    }
    return res.rows.length;
  });
}

export default createEventApp(
  spec,
  {
    'microride.matching.tick': async (_event, { log }) => {
      let total = 0;
      let n: number;
      do {
        n = await expireStaleRides();
        total += n;
      } while (n === BATCH);
      if (total > 0) log.info({ expired: total }, 'rides expired: nobody accepted in time');
    },
  },
  { dedupe: noDedupe() },
);
