/**
 * rides' PostgreSQL queries (schema `rides`). Each operation's writes are named here (one
 * statement, or one transaction, each) so its `handle` can be given fakes; the states they
 * compare and set come from the transitions table (transitions.ts).
 */
import type { Knex } from 'knex';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import type { EventData } from '../../contracts/events.js';
import { db, schemaName } from '../../platform/clients.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import type { DriverCard } from '../../contracts/driver-card.js';
import type { EventInput } from '../../platform/events/emit.js';
import { changeWithEvent, derivedEventCte, enqueueEvent, type PartialEventInput } from '../../platform/events/outbox.js';
import { activeStatuses, type Ride, type RideStatus } from './schemas.js';
import { soleState, transitions } from './transitions.js';

export const ridesSchema = () => schemaName('rides');
export const ridesTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(ridesSchema()).table('rides');
export const offersTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(ridesSchema()).table('offers');

/** What rides keeps of the verified quote: enough to price the trip again at the end. */
export interface StoredQuote {
  fare: { amount: number; currency: string; breakdown?: unknown };
  tariff: { base: number; perKm: number; perMinute: number; minimum: number };
  surgeMultiplier: number;
  distanceMeters: number;
  durationSeconds: number;
  pickupEtaSeconds: number;
  expiresAt: string;
}

export interface RideRow {
  id: string;
  rider_id: string;
  driver_id: string | null;
  status: RideStatus;
  vehicle_class: VehicleClass;
  pickup_lat: number;
  pickup_lon: number;
  dropoff_lat: number;
  dropoff_lon: number;
  quote: StoredQuote;
  currency: string;
  quoted_amount: number;
  final_amount: number | null;
  distance_meters: number | null;
  duration_seconds: number | null;
  fare_basis: 'measured' | 'quoted' | null;
  /** Why the final fare is what it is (pricing.ts); null before completion and on rides completed before it existed. */
  fare_reason: string | null;
  cancelled_by: 'rider' | 'driver' | 'system' | null;
  cancel_reason: string | null;
  cancel_fee: number | null;
  rating_stars: number | null;
  rating_comment: string | null;
  idempotency_key: string;
  request_hash: string;
  requested_at: Date;
  /** The booked pickup time of a ride for later; null for a ride now. */
  scheduled_for: Date | null;
  /** When the current matching began (request, scheduled start, or the last driver's cancellation); the expiry counts from it. Null on rides from before it existed: requested_at then. */
  matching_since: Date | null;
  accepted_at: Date | null;
  arrived_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  rated_at: Date | null;
  updated_at: Date;
  /** The driver's public card as it was at acceptance (migration 006); null before, and on rides accepted before it existed. */
  driver_card: DriverCard | null;
  /** The rider's 4-digit pickup code, set at acceptance: never serialized for anyone but the rider (withPickupCode). */
  pickup_code: string | null;
}

export interface OfferRow {
  ride_id: string;
  driver_id: string;
  round: number;
  expires_at: Date;
  declined_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toRide(r: RideRow, offer?: OfferRow): Ride {
  const money = (amount: number) => ({ amount, currency: r.currency });
  return {
    id: r.id,
    status: r.status,
    riderId: r.rider_id,
    driverId: r.driver_id,
    driver: r.driver_card ?? null,
    vehicleClass: r.vehicle_class,
    pickup: { lat: r.pickup_lat, lon: r.pickup_lon },
    dropoff: { lat: r.dropoff_lat, lon: r.dropoff_lon },
    quote: {
      fare: money(r.quoted_amount),
      surgeMultiplier: r.quote.surgeMultiplier,
      distanceMeters: r.quote.distanceMeters,
      durationSeconds: r.quote.durationSeconds,
    },
    fare: { ...money(r.final_amount ?? r.quoted_amount), final: r.final_amount !== null, basis: r.fare_basis, reason: r.fare_reason ?? null },
    distanceMeters: r.distance_meters,
    durationSeconds: r.duration_seconds,
    cancellation: r.cancelled_by
      ? { by: r.cancelled_by, reason: r.cancel_reason, fee: r.cancel_fee === null ? null : money(r.cancel_fee) }
      : null,
    rating: r.rating_stars === null ? null : { stars: r.rating_stars, comment: r.rating_comment },
    ...(offer ? { offer: { round: offer.round, expiresAt: offer.expires_at.toISOString() } } : {}),
    requestedAt: r.requested_at.toISOString(),
    scheduledFor: iso(r.scheduled_for),
    acceptedAt: iso(r.accepted_at),
    arrivedAt: iso(r.arrived_at),
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
    cancelledAt: iso(r.cancelled_at),
    expiredAt: iso(r.expired_at),
  };
}

/**
 * The ride as its RIDER sees it: with the pickup code. The only place the code leaves the
 * service; everyone else (the driver above all) gets toRide's view, which never holds it.
 */
export function withPickupCode(ride: Ride, r: RideRow, viewerId: string): Ride {
  return r.rider_id === viewerId && r.pickup_code && r.driver_id !== viewerId ? { ...ride, pickupCode: r.pickup_code } : ride;
}

export const findRide = (id: string, k: Knex | Knex.Transaction = db()) => ridesTable(k).where({ id }).first<RideRow | undefined>();

export const findOffer = (rideId: string, driverId: string, k: Knex | Knex.Transaction = db()) =>
  offersTable(k).where({ ride_id: rideId, driver_id: driverId }).first<OfferRow | undefined>();

export const findByIdempotencyKey = (riderId: string, key: string, k: Knex | Knex.Transaction = db()) =>
  ridesTable(k).where({ rider_id: riderId, idempotency_key: key }).first<RideRow | undefined>();

export interface Transition {
  id: string;
  from: readonly RideStatus[];
  to: RideStatus;
  /** Extra columns to set with the status. */
  set?: Record<string, unknown>;
  /** Further conditions of the compare (e.g. the assigned driver). */
  where?: Record<string, unknown>;
  /** A condition `where` cannot say (e.g. the pickup code, or none for older rides). */
  whereRaw?: { sql: string; bindings: readonly Knex.RawBinding[] };
}

/**
 * The compare-and-set every transition goes through: one UPDATE guarded by the states it
 * may leave. Zero rows back means someone else moved the ride first (or the guard failed).
 * As a query, for changeWithEvent (the transition and its event in one statement).
 */
export const transitionQuery = (t: Transition, k: Knex | Knex.Transaction = db()) => {
  const q = ridesTable(k)
    .where({ id: t.id, ...t.where })
    .whereIn('status', [...t.from]);
  if (t.whereRaw) q.whereRaw(t.whereRaw.sql, [...t.whereRaw.bindings]);
  return q.update({ ...t.set, status: t.to, updated_at: k.fn.now() }).returning('*');
};

/** transitionQuery inside a transaction that does more than write one event. */
export async function transition(trx: Knex.Transaction, t: Transition): Promise<RideRow | undefined> {
  const [row] = (await transitionQuery(t, trx)) as RideRow[];
  return row;
}

/** Which unique index a 23505 hit. */
export function uniqueViolation(err: unknown): 'rider_active' | 'driver_active' | 'idempotency_key' | 'offer' | null {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return null;
  if (e.constraint === 'rides_one_active_per_rider') return 'rider_active';
  if (e.constraint === 'rides_one_active_per_driver') return 'driver_active';
  if (e.constraint === 'rides_idempotency_key') return 'idempotency_key';
  return 'offer';
}

export const activeRideOf = (riderId: string) =>
  ridesTable().where({ rider_id: riderId }).whereIn('status', [...activeStatuses]).first<RideRow | undefined>();

// ── The operations' writes, one statement or one transaction each ─────────────────────────

/** The function writing: its catalog entry names the events it may emit and their source. */
export type Emitter = Pick<FunctionSpec, 'name' | 'emits'> & { service: string };

/** Statuses as SQL literals for raw statements (`'requested', 'matching'`); only the table's own states go in. */
export const sqlStates = (states: readonly RideStatus[]) => states.map((s) => `'${s}'`).join(', ');

/** The event's rider taken from the row the statement changes, so nothing reads the ride first. */
export const riderFromRow = { fromRow: { riderId: 'rider_id' } } as const;

/** The rider and the driver's card taken from the row the statement changes (the card is jsonb: null stands in while the event is checked). */
export const riderAndCardFromRow = { fromRow: { riderId: 'rider_id', driver: 'driver_card' }, standIn: { driver: null } } as const;

/** A new ride's columns; its status is transitions.request.to, the rest take their defaults. */
export type NewRide = Pick<
  RideRow,
  | 'id' | 'rider_id' | 'vehicle_class' | 'pickup_lat' | 'pickup_lon' | 'dropoff_lat' | 'dropoff_lon' | 'quote' | 'currency' | 'quoted_amount'
  | 'idempotency_key' | 'request_hash' | 'requested_at' | 'updated_at' | 'scheduled_for' | 'matching_since'
>;

/** What creates a ride: a request now (transitions.request) or a booking for later (transitions.book). */
export type CreatingEvent = EventInput<'microride.ride.requested'> | EventInput<'microride.ride.scheduled'>;

/**
 * transitions.request or transitions.book, by the event: the ride and its event in one
 * statement. A clash on a unique index throws (23505).
 */
export const insertRide = (spec: Emitter, ride: NewRide, event: CreatingEvent) => {
  const status = event.type === transitions.book.event ? transitions.book.to : transitions.request.to;
  const insert = ridesTable()
    .insert({ ...ride, status, quote: JSON.stringify(ride.quote) })
    .returning('*');
  return event.type === 'microride.ride.scheduled'
    ? changeWithEvent<RideRow, 'microride.ride.scheduled'>(spec, insert, event)
    : changeWithEvent<RideRow, 'microride.ride.requested'>(spec, insert, event);
};

/** A transition and its event in one statement; undefined when the compare-and-set missed. */
export const transitionWithEvent = <T extends 'microride.ride.driver_arrived' | 'microride.ride.started' | 'microride.ride.completed', K extends string = never>(
  spec: Emitter,
  t: Transition,
  event: PartialEventInput<T, K>,
  opts: { fromRow?: Readonly<Record<K, string>>; standIn?: Readonly<Partial<Record<K, unknown>>> } = {},
) => changeWithEvent<RideRow, T, K>(spec, transitionQuery(t), event, opts);

/**
 * transitions.accept, the whole rule in one statement: still waiting for a driver, and
 * this driver holds a live offer. Concurrent accepts queue on the row lock; after the
 * first commits the others re-check the status, find it changed and update nothing (and
 * write no event). A driver with another active ride hits rides_one_active_per_driver.
 */
export const acceptRide = (
  spec: Emitter,
  a: { id: string; driverId: string; acceptedAt: Date; driverCard: DriverCard | null; pickupCode: string },
  event: PartialEventInput<'microride.ride.accepted', 'riderId'>,
) =>
  changeWithEvent<RideRow, 'microride.ride.accepted', 'riderId'>(
    spec,
    ridesTable()
      .where({ id: a.id, status: soleState(transitions.accept.from) })
      .whereExists((q) =>
        q.select(db().raw('1'))
          .from(`${ridesSchema()}.offers as o`)
          .whereRaw('o.ride_id = rides.id')
          .where('o.driver_id', a.driverId)
          .whereNull('o.declined_at')
          .where('o.expires_at', '>', db().fn.now()),
      )
      .update({
        status: transitions.accept.to,
        driver_id: a.driverId,
        accepted_at: a.acceptedAt,
        driver_card: a.driverCard === null ? null : JSON.stringify(a.driverCard),
        pickup_code: a.pickupCode,
        updated_at: db().fn.now(),
      })
      .returning('*'),
    event,
    riderFromRow,
  );

/**
 * Marks the driver's live offer declined while the ride can still be accepted, and queues
 * the event in the same transaction. False: nothing to decline (no live offer, or the
 * ride moved on).
 */
export async function declineOffer(spec: Emitter, rideId: string, driverId: string, event: EventInput<'microride.ride.declined'>): Promise<boolean> {
  return db().transaction(async (trx) => {
    const res = (await trx.raw(
      `update ??.offers o set declined_at = now()
       from ??.rides r
       where o.ride_id = ? and o.driver_id = ? and o.declined_at is null and o.expires_at > now()
         and r.id = o.ride_id and r.status = '${soleState(transitions.accept.from)}'
       returning r.rider_id`,
      [ridesSchema(), ridesSchema(), rideId, driverId],
    )) as { rows: { rider_id: string }[] };
    if (!res.rows[0]) return false;
    await enqueueEvent(trx, spec, event);
    return true;
  });
}

/**
 * transitions.cancelByRider / cancelByDriver: the compare-and-set (stamped with the
 * database's clock) and its event in one transaction; the event is made from the row it
 * cancelled. Undefined when the ride had moved.
 */
export async function cancelRide(
  spec: Emitter,
  t: Transition,
  eventOf: (cancelled: RideRow) => EventInput<'microride.ride.cancelled'>,
): Promise<RideRow | undefined> {
  return db().transaction(async (trx) => {
    const cancelled = await transition(trx, { ...t, set: { cancelled_at: trx.fn.now(), ...t.set } });
    if (!cancelled) return undefined;
    await enqueueEvent(trx, spec, eventOf(cancelled));
    return cancelled;
  });
}

/**
 * transitions.cancelByDriver: the assigned driver gives the ride back before pickup. In one
 * transaction: the ride returns to matching without a driver (matching_since restarts the
 * expiry), the driver's offer is marked declined so they can never accept it again, and
 * ride.rematching is queued. Undefined when the ride had moved or is not theirs.
 */
export async function rematchRide(
  spec: Emitter,
  r: { id: string; driverId: string; from: RideStatus },
  eventOf: (rematched: RideRow) => EventInput<'microride.ride.rematching'>,
): Promise<RideRow | undefined> {
  return db().transaction(async (trx) => {
    const row = await transition(trx, {
      id: r.id,
      from: [r.from],
      to: transitions.cancelByDriver.to,
      where: { driver_id: r.driverId },
      set: { driver_id: null, accepted_at: null, arrived_at: null, driver_card: null, pickup_code: null, matching_since: trx.fn.now() },
    });
    if (!row) return undefined;
    await offersTable(trx)
      .insert({ ride_id: r.id, driver_id: r.driverId, round: 0, expires_at: trx.fn.now(), declined_at: trx.fn.now() })
      .onConflict(['ride_id', 'driver_id'])
      .merge({ declined_at: trx.fn.now() });
    await enqueueEvent(trx, spec, eventOf(row));
    return row;
  });
}

/**
 * transitions.startMatching for one booked ride whose lead time began: it becomes
 * `requested` (matching_since now) and ride.requested is queued, so matching offers it as
 * any ride. Skipped (undefined) while the rider has another active ride: the partial
 * unique index would refuse it; the next tick tries again until the ride expires.
 */
export async function startScheduledRide(
  spec: Emitter,
  id: string,
  eventOf: (started: RideRow) => EventInput<'microride.ride.requested'>,
): Promise<RideRow | undefined> {
  try {
    return await db().transaction(async (trx) => {
      const row = await transition(trx, { id, from: transitions.startMatching.from, to: transitions.startMatching.to, set: { matching_since: trx.fn.now() } });
      if (!row) return undefined;
      await enqueueEvent(trx, spec, eventOf(row));
      return row;
    });
  } catch (err) {
    if (uniqueViolation(err) === 'rider_active') return undefined;
    throw err;
  }
}

/** Booked rides whose matching should have begun by now (scheduled_for − lead ≤ now), oldest first. */
export const scheduledRidesDue = async (leadMinutes: number, limit: number): Promise<string[]> => {
  const rows = (await ridesTable()
    .select('id')
    .where({ status: soleState(transitions.startMatching.from) })
    .whereRaw(`scheduled_for <= now() + (? * interval '1 minute')`, [leadMinutes])
    .orderBy('scheduled_for')
    .limit(limit)) as { id: string }[];
  return rows.map((r) => r.id);
};

/**
 * The rider's rating and its event in one transaction. Not a state transition, but the same
 * compare-and-set discipline: completed (transitions.complete.to) and not yet rated.
 * Undefined when nothing was rated.
 */
export async function rateRide(
  spec: Emitter,
  r: { id: string; riderId: string; stars: number; comment: string | null },
  eventOf: (rated: RideRow, driverId: string) => EventInput<'microride.ride.rated'>,
): Promise<RideRow | undefined> {
  return db().transaction(async (trx) => {
    const [rated] = await ridesTable(trx)
      .where({ id: r.id, rider_id: r.riderId, status: transitions.complete.to })
      .whereNull('rating_stars')
      .update({ rating_stars: r.stars, rating_comment: r.comment, rated_at: trx.fn.now(), updated_at: trx.fn.now() })
      .returning<RideRow[]>('*');
    if (!rated?.driver_id) return undefined;
    await enqueueEvent(trx, spec, eventOf(rated, rated.driver_id));
    return rated;
  });
}

/** What an offer round's statement answers: the ride's rider (null: the ride moved on) and the drivers it offered. */
export interface RoundOutcome {
  rider_id: string | null;
  driver_ids: string[];
}

/**
 * transitions.offer in one statement: move the ride to matching, record the round, and
 * queue ride.offered (`head`, its data completed by the statement) for the drivers it
 * offered. A driver asked again in a later round (their earlier offer lapsed) gets a fresh
 * window; one who declined stays declined. Redelivered, it offers nobody new and queues
 * nothing.
 */
export async function recordOfferRound(
  spec: Emitter,
  d: EventData<'microride.matching.offer_decided'>,
  head: { type: 'microride.ride.offered'; subject: string; id: string; time: string },
): Promise<RoundOutcome | undefined> {
  const queued = derivedEventCte(
    spec,
    head,
    { sql: `jsonb_build_object('rideId', moved.id, 'riderId', moved.rider_id, 'driverIds', agg.ids, 'expiresAt', ?::text, 'round', ?::int)`, bindings: [d.expiresAt, d.round] },
    'moved, agg where agg.ids is not null',
  );
  const res = (await db().raw(
    `with moved as (
           update ??.rides set status = '${transitions.offer.to}', updated_at = now()
           where id = ? and status in (${sqlStates(transitions.offer.from)}) returning id, rider_id
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
  )) as { rows: RoundOutcome[] };
  return res.rows[0];
}

/**
 * transitions.expire for up to `limit` rides waiting longer than `timeoutSeconds`, one event
 * each, in one transaction: the same compare-and-set as every transition. SKIP LOCKED lets
 * two sweeps split the work, and lets an accept that holds the row win over the sweep.
 * Returns how many expired.
 */
export async function expireWaitingRides(
  spec: Emitter,
  timeoutSeconds: number,
  limit: number,
  eventOf: (expired: RideRow) => EventInput<'microride.ride.expired'>,
): Promise<number> {
  // Waiting: matching for longer than the timeout since it (last) began; or booked, with
  // the pickup time that long past (it never started: the rider was on another ride).
  const waiting = `(status in (${sqlStates(transitions.expire.from.filter((s) => s !== 'scheduled'))})
                      and coalesce(matching_since, requested_at) < now() - (? * interval '1 second'))
                   or (status = 'scheduled' and scheduled_for < now() - (? * interval '1 second'))`;
  return db().transaction(async (trx) => {
    const res = (await trx.raw(
      `update ??.rides r set status = '${transitions.expire.to}', expired_at = now(), updated_at = now()
       where r.id in (select id from ??.rides
                      where ${waiting}
                      order by requested_at limit ? for update skip locked)
         and r.status in (${sqlStates(transitions.expire.from)})
       returning r.*`,
      [ridesSchema(), ridesSchema(), timeoutSeconds, timeoutSeconds, limit],
    )) as { rows: RideRow[] };
    for (const r of res.rows) {
      await enqueueEvent(trx, spec, eventOf(r));
    }
    return res.rows.length;
  });
}

/** Whose rides a list shows, and which page. */
export interface RideListQuery {
  userId: string;
  /** A driver sees the rides they drove, a rider their own, an admin everyone's. */
  role: 'rider' | 'driver' | 'admin';
  status?: RideStatus | undefined;
  /** Rows to fetch. */
  limit: number;
  /** Only rides before this one: PostgreSQL's text of its requested_at, and its id. */
  before?: readonly [at: string, id: string] | undefined;
}

/** Newest first, with requested_at as PostgreSQL's own text (a JS Date would drop the microseconds). */
export const listRides = async (l: RideListQuery): Promise<(RideRow & { at_text: string })[]> => {
  const q = ridesTable()
    .select('*', ridesTable().client.raw('requested_at::text as at_text'))
    .orderBy([{ column: 'requested_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(l.limit);
  if (l.role === 'driver') q.where({ driver_id: l.userId });
  else if (l.role === 'rider') q.where({ rider_id: l.userId });
  if (l.status) q.where({ status: l.status });
  if (l.before) q.whereRaw('(requested_at, id) < (?::timestamptz, ?::uuid)', [l.before[0], l.before[1]]);
  return (await q) as (RideRow & { at_text: string })[];
};
