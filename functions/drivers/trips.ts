/**
 * How ride events move a driver's availability and rating. Events arrive at least once
 * and in any order, and the three trip types are delivered by separate Triggers, so each
 * step locks the driver's row first: the steps of one driver then run one at a time and
 * each sees what the others committed. The trip steps run as PostgreSQL functions
 * (trip-functions.ts), one round trip each.
 */
import type { Knex } from 'knex';
import { db, schemaName } from '../../platform/clients.js';
import { driversSchema, driversTable, lockByUser, type DriverRow } from './store.js';
import { syncLiveStatus } from './live.js';

const finishedRides = (k: Knex | Knex.Transaction) => k.withSchema(schemaName('drivers')).table('finished_rides');
const ratings = (k: Knex | Knex.Transaction) => k.withSchema(schemaName('drivers')).table('ratings');

/** How long a finished ride is remembered against a late ride.accepted: far beyond any redelivery. */
const FINISHED_RETENTION = "interval '7 days'";
/** Pruning is housekeeping: once a minute per process, not once per finished ride. */
const PRUNE_EVERY_MS = 60_000;
let lastPrune = 0;

async function pruneFinishedRides(): Promise<void> {
  if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
  lastPrune = Date.now();
  await finishedRides(db()).where('finished_at', '<', db().raw(`now() - ${FINISHED_RETENTION}`)).delete();
}

export type TripOutcome = 'on_trip' | 'online' | 'unchanged' | 'no_driver';

/** One trip step: the migration's function does lock-then-decide in one call (trip-functions.ts). */
async function tripStep(fn: 'trip_accepted' | 'trip_ended', rideId: string, driverUserId: string): Promise<TripOutcome> {
  const res = (await db().raw('select t.outcome, (t.driver).* from ??.??(?::uuid, ?::uuid) t', [driversSchema(), fn, rideId, driverUserId])) as {
    rows: ({ outcome: TripOutcome } & DriverRow)[];
  };
  const { outcome, ...row } = res.rows[0]!;
  if (row.id !== null) await syncLiveStatus(row);
  return outcome;
}

/** microride.ride.accepted: the driver is on this trip (unless its end was already seen). */
export const tripAccepted = (rideId: string, driverUserId: string): Promise<TripOutcome> => tripStep('trip_accepted', rideId, driverUserId);

/** microride.ride.completed / cancelled: back online, if this ride is what kept them busy. */
export async function tripEnded(rideId: string, driverUserId: string): Promise<TripOutcome> {
  const outcome = await tripStep('trip_ended', rideId, driverUserId);
  await pruneFinishedRides();
  return outcome;
}

/**
 * microride.ride.rematching: the driver gave the ride back before pickup. Recorded once per
 * ride and driver (a redelivery counts nothing); true when it was counted.
 */
export async function driverCancelled(c: { rideId: string; driverUserId: string; from: 'accepted' | 'arrived'; reason: string | null }): Promise<boolean> {
  const res = (await db().raw(
    `with recorded as (
       insert into ??.cancellations (ride_id, driver_user_id, from_status, reason) values (?, ?, ?, ?)
       on conflict (ride_id, driver_user_id) do nothing returning driver_user_id
     )
     update ??.drivers d set cancellation_count = d.cancellation_count + 1, updated_at = now()
     from recorded where d.user_id = recorded.driver_user_id returning d.id`,
    [driversSchema(), c.rideId, c.driverUserId, c.from, c.reason, driversSchema()],
  )) as { rows: { id: string }[] };
  return res.rows.length > 0;
}

export type RatingOutcome = 'counted' | 'duplicate' | 'no_driver';

/**
 * microride.ride.rated: one rating per ride; the average is recomputed from the ratings
 * held, and the new rating goes to the card profile in the live index after the commit
 * (a redelivery, counted nothing, writes it again: that repairs a failed Redis write).
 */
export async function rideRated(rideId: string, driverUserId: string, stars: number): Promise<RatingOutcome> {
  const { outcome, row } = await db().transaction(async (trx): Promise<{ outcome: RatingOutcome; row?: DriverRow }> => {
    const held = await lockByUser(trx, driverUserId);
    const inserted = await ratings(trx)
      .insert({ ride_id: rideId, driver_user_id: driverUserId, stars })
      .onConflict('ride_id')
      .ignore()
      .returning<{ ride_id: string }[]>('ride_id');
    if (!held) return { outcome: inserted.length === 0 ? 'duplicate' : 'no_driver' };
    if (inserted.length === 0) return { outcome: 'duplicate', row: held };
    const agg = await ratings(trx)
      .where({ driver_user_id: driverUserId })
      .select(trx.raw('count(*)::int as count'), trx.raw('round(avg(stars), 2) as avg'))
      .first<{ count: number; avg: string }>();
    const [updated] = await driversTable(trx)
      .where({ id: held.id })
      .update({ rating_count: agg?.count ?? 0, rating_avg: agg?.avg ?? null, updated_at: trx.fn.now() })
      .returning<DriverRow[]>('*');
    return { outcome: 'counted', row: updated };
  });
  if (row) await syncLiveStatus(row);
  return outcome;
}
