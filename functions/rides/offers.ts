import { eventSpec } from '../runtime/route.js';
import { createEventApp } from '../runtime/events/receive.js';
import { postgresDedupe } from '../runtime/events/idempotency.js';
import { enqueueEvent } from '../runtime/events/outbox.js';
import { ridesSchema } from './store.js';

const spec = eventSpec('rides-offers');

/**
 * Matching decided whom to offer the ride: record the round (drivers may accept from now
 * on), move requested → matching, and tell the drivers (ride.offered). A decision for a
 * ride that moved on meanwhile (accepted, cancelled, expired) is dropped.
 */
export default createEventApp(
  spec,
  {
    'microride.matching.offer_decided': async (event, { trx, log }) => {
      const d = event.data;
      // One statement: move requested → matching and record the round. A driver asked
      // again in a later round (their earlier offer lapsed) gets a fresh window; one who
      // declined stays declined. No ride row back: the ride moved on meanwhile.
      const res = (await trx.raw(
        `with moved as (
           update ??.rides set status = 'matching', updated_at = now()
           where id = ? and status in ('requested', 'matching') returning id, rider_id
         ), offered as (
           insert into ??.offers (ride_id, driver_id, round, expires_at)
           select moved.id, unnest(?::uuid[]), ?, ?::timestamptz from moved
           on conflict (ride_id, driver_id) do update set round = excluded.round, expires_at = excluded.expires_at
             where offers.declined_at is null and offers.round < excluded.round
           returning driver_id
         )
         select (select rider_id from moved) as rider_id, coalesce((select array_agg(driver_id) from offered), '{}') as driver_ids`,
        [ridesSchema(), d.rideId, ridesSchema(), d.driverIds, d.round, d.expiresAt],
      )) as { rows: { rider_id: string | null; driver_ids: string[] }[] };
      const outcome = res.rows[0];
      if (!outcome?.rider_id) {
        log.info({ rideId: d.rideId, round: d.round }, 'offer round for a ride no longer matching; dropped');
        return;
      }
      const driverIds = outcome.driver_ids;
      if (driverIds.length === 0) return;
      await enqueueEvent(trx, spec, {
        type: 'microride.ride.offered',
        subject: d.rideId,
        data: { rideId: d.rideId, riderId: outcome.rider_id, driverIds, expiresAt: d.expiresAt, round: d.round },
      });
    },
  },
  { dedupe: postgresDedupe('rides') },
);
