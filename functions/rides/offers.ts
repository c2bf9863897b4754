import { randomUUID } from 'node:crypto';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { buildEvent } from '../../platform/events/emit.js';
import { derivedEventCte, publishDerived } from '../../platform/events/outbox.js';
import { db } from '../../platform/clients.js';
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
    'microride.matching.offer_decided': async (event, { log }) => {
      const d = event.data;
      const head = { type: 'microride.ride.offered' as const, subject: d.rideId, id: randomUUID(), time: new Date().toISOString() };
      const offered = (riderId: string, driverIds: string[]) => ({ ...head, data: { rideId: d.rideId, riderId, driverIds, expiresAt: d.expiresAt, round: d.round } });
      // Checked before the write: the statement only fills in the rider (a uuid column) and
      // narrows the decided drivers to those it offered.
      buildEvent(spec, offered(d.rideId, d.driverIds));
      // One statement: move requested → matching, record the round, and queue ride.offered
      // for the drivers it offered. A driver asked again in a later round (their earlier
      // offer lapsed) gets a fresh window; one who declined stays declined. No ride row
      // back: the ride moved on meanwhile. Redelivered, it offers nobody new and sends
      // nothing: idempotent without a processed-event mark.
      const queued = derivedEventCte(
        spec,
        head,
        { sql: `jsonb_build_object('rideId', moved.id, 'riderId', moved.rider_id, 'driverIds', agg.ids, 'expiresAt', ?::text, 'round', ?::int)`, bindings: [d.expiresAt, d.round] },
        'moved, agg where agg.ids is not null',
      );
      const res = (await db().raw(
        `with moved as (
           update ??.rides set status = 'matching', updated_at = now()
           where id = ? and status in ('requested', 'matching') returning id, rider_id
         ), offered as (
           insert into ??.offers (ride_id, driver_id, round, expires_at)
           select moved.id, unnest(?::uuid[]), ?, ?::timestamptz from moved
           on conflict (ride_id, driver_id) do update set round = excluded.round, expires_at = excluded.expires_at
             where offers.declined_at is null and offers.round < excluded.round
           returning driver_id
         ), agg as (
           select array_agg(driver_id order by array_position(?::uuid[], driver_id)) as ids from offered
         ), queued as (${queued.sql})
         select (select rider_id from moved) as rider_id, coalesce((select ids from agg), '{}') as driver_ids`,
        [ridesSchema(), d.rideId, ridesSchema(), d.driverIds, d.round, d.expiresAt, d.driverIds, ...queued.bindings],
      )) as { rows: { rider_id: string | null; driver_ids: string[] }[] };
      const outcome = res.rows[0];
      if (!outcome?.rider_id) {
        log.info({ rideId: d.rideId, round: d.round }, 'offer round for a ride no longer matching; dropped');
        return;
      }
      if (outcome.driver_ids.length > 0) publishDerived(spec, offered(outcome.rider_id, outcome.driver_ids));
    },
  },
  { dedupe: noDedupe() },
);
