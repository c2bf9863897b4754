/**
 * How ride events move a driver's availability and rating. Events arrive at least once
 * and in any order, and the three trip types are delivered by separate Triggers, so each
 * step locks the driver's row first: the steps of one driver then run one at a time and
 * each sees what the others committed.
 */
import type { Knex } from 'knex';
import { db, schemaName } from '../runtime/clients.js';
import { driversSchema, driversTable, type DriverRow } from './store.js';
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

const lockDriver = (trx: Knex.Transaction, userId: string) =>
  driversTable(trx).where({ user_id: userId }).forUpdate().first<DriverRow | undefined>();

/** microride.ride.accepted: the driver is on this trip. */
export async function tripAccepted(rideId: string, driverUserId: string): Promise<TripOutcome> {
  const result = await db().transaction(async (trx): Promise<{ outcome: TripOutcome; row?: DriverRow }> => {
    const row = await lockDriver(trx, driverUserId);
    if (!row) return { outcome: 'no_driver' };
    if (row.status === 'on_trip' && row.current_ride_id === rideId) return { outcome: 'unchanged', row };
    // A statement after the lock sees every end committed before it: a ride that already
    // ended (its end overtook this event) does not put the driver back on it.
    const [updated] = await driversTable(trx)
      .where({ id: row.id })
      .whereNotExists(finishedRides(trx).select(trx.raw('1')).where({ ride_id: rideId }))
      .update({ status: 'on_trip', current_ride_id: rideId, updated_at: trx.fn.now() })
      .returning<DriverRow[]>('*');
    return updated ? { outcome: 'on_trip', row: updated } : { outcome: 'unchanged', row };
  });
  if (result.row) await syncLiveStatus(result.row);
  return result.outcome;
}

/** microride.ride.completed / cancelled: back online, if this ride is what kept them busy. */
export async function tripEnded(rideId: string, driverUserId: string): Promise<TripOutcome> {
  const result = await db().transaction(async (trx): Promise<{ outcome: TripOutcome; row?: DriverRow }> => {
    const row = await lockDriver(trx, driverUserId);
    const remember = finishedRides(trx).insert({ ride_id: rideId, driver_user_id: driverUserId }).onConflict('ride_id').ignore();
    if (!row || row.current_ride_id !== rideId) {
      await remember;
      return row ? { outcome: 'unchanged', row } : { outcome: 'no_driver' };
    }
    // The end is remembered and the driver freed in one statement (the row is locked).
    const { sql, bindings } = remember.toSQL();
    const res = (await trx.raw(
      `with remembered as (${sql})
       update ??.drivers set status = 'online', current_ride_id = null, updated_at = now() where id = ? returning *`,
      [...bindings, driversSchema(), row.id],
    )) as { rows: DriverRow[] };
    return { outcome: 'online', row: res.rows[0] ?? row };
  });
  if (result.row) await syncLiveStatus(result.row);
  await pruneFinishedRides();
  return result.outcome;
}

export type RatingOutcome = 'counted' | 'duplicate' | 'no_driver';

/** microride.ride.rated: one rating per ride; the average is recomputed from the ratings held. */
export async function rideRated(rideId: string, driverUserId: string, stars: number): Promise<RatingOutcome> {
  return db().transaction(async (trx) => {
    const row = await lockDriver(trx, driverUserId);
    const inserted = await ratings(trx)
      .insert({ ride_id: rideId, driver_user_id: driverUserId, stars })
      .onConflict('ride_id')
      .ignore()
      .returning<{ ride_id: string }[]>('ride_id');
    if (inserted.length === 0) return 'duplicate';
    if (!row) return 'no_driver';
    const agg = await ratings(trx)
      .where({ driver_user_id: driverUserId })
      .select(trx.raw('count(*)::int as count'), trx.raw('round(avg(stars), 2) as avg'))
      .first<{ count: number; avg: string }>();
    await driversTable(trx)
      .where({ id: row.id })
      .update({ rating_count: agg?.count ?? 0, rating_avg: agg?.avg ?? null, updated_at: trx.fn.now() });
    return 'counted';
  });
}
