/**
 * The driver's trip steps as PostgreSQL functions (migration 006): lock the driver's row,
 * then decide with a fresh look at what other steps committed. That is two statements in
 * READ COMMITTED (a statement's snapshot is taken when it starts, so the look must come
 * after the lock), and as a knex transaction it took four round trips (BEGIN, lock, change,
 * COMMIT). A volatile plpgsql function takes a new snapshot per statement inside it, so the
 * same rule runs in one call, and PostgreSQL keeps the plans of its statements.
 *
 * A ride's end is remembered per driver (migration 007): a driver who cancelled before
 * pickup is done with the ride, while the driver who takes it over is put on it.
 *
 * Every status change also raises `status_version` under the lock: the live index (Redis)
 * is written after the commit, and two steps of one driver can reach it in the opposite
 * order; the version lets it keep the newer status (tracking/live-index.ts).
 */
import type { Knex } from 'knex';

/** The functions' source for schema `s`; each returns (outcome, driver) — driver null when there is none. */
function tripFunctions(q: string): string[] {
  const drivers = `${q}.drivers`;
  const finished = `${q}.finished_rides`;
  return [
    // microride.ride.accepted: on this trip, unless its end was already seen.
    `create or replace function ${q}.trip_accepted(p_ride uuid, p_driver uuid, out outcome text, out driver ${drivers})
     language plpgsql as $$
     declare d ${drivers};
     begin
       select * into d from ${drivers} where user_id = p_driver for update;
       if not found then outcome := 'no_driver'; return; end if;
       if d.status = 'on_trip' and d.current_ride_id = p_ride then outcome := 'unchanged'; driver := d; return; end if;
       -- a statement after the lock sees every end committed before it
       update ${drivers} set status = 'on_trip', current_ride_id = p_ride, status_version = status_version + 1, updated_at = now()
         where id = d.id and not exists (select 1 from ${finished} where ride_id = p_ride and driver_user_id = p_driver)
         returning * into driver;
       if found then outcome := 'on_trip'; else outcome := 'unchanged'; driver := d; end if;
     end $$`,
    // microride.ride.completed / cancelled: remember the end; back online if this ride kept them busy.
    `create or replace function ${q}.trip_ended(p_ride uuid, p_driver uuid, out outcome text, out driver ${drivers})
     language plpgsql as $$
     declare d ${drivers}; have boolean;
     begin
       select * into d from ${drivers} where user_id = p_driver for update;
       have := found;
       insert into ${finished} (ride_id, driver_user_id) values (p_ride, p_driver) on conflict (ride_id, driver_user_id) do nothing;
       if not have then outcome := 'no_driver'; return; end if;
       if d.current_ride_id is distinct from p_ride then outcome := 'unchanged'; driver := d; return; end if;
       update ${drivers} set status = 'online', current_ride_id = null, status_version = status_version + 1, updated_at = now() where id = d.id returning * into driver;
       outcome := 'online';
     end $$`,
  ];
}

export async function createTripFunctions(knex: Knex, s: string): Promise<void> {
  const q = knex.raw('??', [s]).toQuery();
  for (const sql of tripFunctions(q)) await knex.raw(sql);
}

export async function dropTripFunctions(knex: Knex, s: string): Promise<void> {
  await knex.raw('drop function if exists ??.trip_accepted(uuid, uuid), ??.trip_ended(uuid, uuid)', [s, s]);
}
