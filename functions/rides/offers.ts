import { eventSpec } from '../runtime/route.js';
import { createEventApp } from '../runtime/events/receive.js';
import { postgresDedupe } from '../runtime/events/idempotency.js';
import { enqueueEvent } from '../runtime/events/outbox.js';
import { ridesSchema, type RideRow } from './store.js';

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
      const moved = (await trx.raw(
        `update ??.rides set status = 'matching', updated_at = now()
         where id = ? and status in ('requested', 'matching') returning *`,
        [ridesSchema(), d.rideId],
      )) as { rows: RideRow[] };
      const ride = moved.rows[0];
      if (!ride) {
        log.info({ rideId: d.rideId, round: d.round }, 'offer round for a ride no longer matching; dropped');
        return;
      }
      // A driver asked again in a later round (their earlier offer lapsed) gets a fresh
      // window; one who declined stays declined.
      const offered = (await trx.raw(
        `insert into ??.offers (ride_id, driver_id, round, expires_at)
         select ?, unnest(?::uuid[]), ?, ?::timestamptz
         on conflict (ride_id, driver_id) do update set round = excluded.round, expires_at = excluded.expires_at
           where offers.declined_at is null and offers.round < excluded.round
         returning driver_id`,
        [ridesSchema(), d.rideId, d.driverIds, d.round, d.expiresAt],
      )) as { rows: { driver_id: string }[] };
      const driverIds = offered.rows.map((r) => r.driver_id);
      if (driverIds.length === 0) return;
      await enqueueEvent(trx, spec, {
        type: 'microride.ride.offered',
        subject: d.rideId,
        data: { rideId: d.rideId, riderId: ride.rider_id, driverIds, expiresAt: d.expiresAt, round: d.round },
      });
    },
  },
  { dedupe: postgresDedupe('rides') },
);
