import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem, conflict, forbidden } from '../../platform/problem.js';
import { verifyQuote, type Quote } from '../analysis/quote-token.js';
import { idempotencyHeader, requestRideBody, ride, type Ride } from './schemas.js';
import { activeRideOf, findByIdempotencyKey, insertRide, toRide, uniqueViolation, type CreatingEvent, type NewRide, type RideRow } from './store.js';
import { transitions } from './transitions.js';

const spec = httpSpec('rides-request');

const route = routeOf(spec, {
  request: {
    headers: idempotencyHeader,
    body: { content: { 'application/json': { schema: requestRideBody } }, required: true },
  },
  responses: {
    201: {
      description: 'Ride requested; matching starts at once. With scheduledFor: booked (`scheduled`), matching starts SCHEDULED_MATCH_LEAD_MINUTES before the pickup time',
      content: { 'application/json': { schema: ride } } },
    200: { description: 'Replay: this Idempotency-Key already made this ride', content: { 'application/json': { schema: ride } } },
    403: { description: 'The quote was issued to another rider' },
    409: { description: 'You already have an active ride' },
  },
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/**
 * The rides table (PostgreSQL) and the quote check (analysis' signing key) by default;
 * fakes in the unit test.
 */
export interface Stores {
  verifyQuote(quoteId: string): Promise<Quote>;
  findByIdempotencyKey(riderId: string, key: string): Promise<RideRow | undefined>;
  insertRide(ride: NewRide, event: CreatingEvent): Promise<RideRow | undefined>;
  activeRideOf(riderId: string): Promise<RideRow | undefined>;
}

const postgres: Stores = {
  verifyQuote,
  findByIdempotencyKey: (riderId, key) => findByIdempotencyKey(riderId, key),
  insertRide: (ride, event) => insertRide(spec, ride, event),
  activeRideOf: (riderId) => activeRideOf(riderId),
};

/** 201 with the new ride's Location, or 200 with the ride an earlier request with this key made. */
export type Requested = { status: 201; body: Ride; headers: { location: string } } | { status: 200; body: Ride };

/** How far ahead a ride may be booked. */
export const SCHEDULE_MIN_AHEAD_MS = 15 * 60_000;
export const SCHEDULE_MAX_AHEAD_MS = 7 * 24 * 3_600_000;

/** The booked pickup time, if any, within 15 minutes to 7 days of `now`; else 422 naming scheduledFor. */
export function scheduledTime(scheduledFor: string | undefined, now: number): Date | null {
  if (scheduledFor === undefined) return null;
  const at = new Date(scheduledFor);
  const ahead = at.getTime() - now;
  if (!(ahead >= SCHEDULE_MIN_AHEAD_MS && ahead <= SCHEDULE_MAX_AHEAD_MS)) {
    throw new HttpProblem(422, 'scheduledFor is out of range', {
      errors: [{ path: 'scheduledFor', message: 'must be 15 minutes to 7 days ahead; for a ride now, leave it out' }],
    });
  }
  return at;
}

/**
 * transitions.request (or, with scheduledFor, transitions.book): a ride from a verified
 * quote of the caller's, once per Idempotency-Key (without one, once per quote).
 *
 * A booked ride keeps the quote it was booked with: the price the rider agreed to is the
 * price at the scheduled time too (README, "Rides booked for later").
 */
export async function handle(
  input: { quoteId: string; scheduledFor?: string | undefined; idempotencyKey: string | undefined },
  caller: { userId: string },
  log: Logger,
  stores: Stores = postgres,
  now: number = Date.now(),
): Promise<Requested> {
  const { quoteId } = input;
  const riderId = caller.userId;
  const scheduledFor = scheduledTime(input.scheduledFor, now);
  // A booking's time is part of what the key stands for; a ride now hashes as it always did.
  const requestHash = sha256(scheduledFor ? `${quoteId}|${scheduledFor.toISOString()}` : quoteId);
  // No header: the quote is the key, so a double tap on "request" still makes one ride.
  const key = input.idempotencyKey ?? `quote:${requestHash}`;

  const replay = async (): Promise<Requested | null> => {
    const existing = await stores.findByIdempotencyKey(riderId, key);
    if (!existing) return null;
    if (existing.request_hash !== requestHash) {
      throw new HttpProblem(422, 'this Idempotency-Key was already used with a different request body', {
        errors: [{ path: 'Idempotency-Key', message: 'reused with another quoteId or scheduledFor' }],
      });
    }
    return { status: 200, body: toRide(existing) };
  };

  // The replay lookup costs a query, so it runs only when the request cannot go ahead as a
  // new one: the quote no longer verifies (a retry after it expired) or the insert below
  // hits the key's unique index (a retry, or a concurrent twin).
  let quote: Quote;
  try {
    quote = await stores.verifyQuote(quoteId);
    if (quote.riderId !== riderId) throw forbidden('this quote was issued to another rider');
  } catch (err) {
    const earlier = await replay();
    if (earlier) return earlier;
    throw err;
  }
  try {
    // The ride's id and time are chosen here so that its event is complete before the one
    // statement that writes both.
    const rideId = randomUUID();
    const requestedAt = new Date(now);
    const trip = {
      pickup: quote.pickup,
      dropoff: quote.dropoff,
      vehicleClass: quote.vehicleClass,
      fare: { amount: quote.fare.amount, currency: quote.fare.currency },
    };
    const row = await stores.insertRide(
      {
        id: rideId,
        rider_id: riderId,
        vehicle_class: quote.vehicleClass,
        pickup_lat: quote.pickup.lat,
        pickup_lon: quote.pickup.lon,
        dropoff_lat: quote.dropoff.lat,
        dropoff_lon: quote.dropoff.lon,
        quote: {
          fare: quote.fare,
          tariff: quote.tariff,
          surgeMultiplier: quote.surgeMultiplier,
          distanceMeters: quote.distanceMeters,
          durationSeconds: quote.durationSeconds,
          pickupEtaSeconds: quote.pickupEtaSeconds,
          expiresAt: quote.expiresAt,
        },
        currency: quote.fare.currency,
        quoted_amount: quote.fare.amount,
        idempotency_key: key,
        request_hash: requestHash,
        requested_at: requestedAt,
        updated_at: requestedAt,
        scheduled_for: scheduledFor,
        matching_since: scheduledFor ? null : requestedAt,
      },
      scheduledFor
        ? { type: transitions.book.event, subject: rideId, data: { rideId, riderId, ...trip, scheduledFor: scheduledFor.toISOString() } }
        : { type: transitions.request.event, subject: rideId, data: { rideId, riderId, ...trip, requestedAt: requestedAt.toISOString() } },
    );
    if (!row) throw new Error('insert returned no row');
    log.info({ rideId: row.id, riderId, scheduledFor: scheduledFor?.toISOString() }, scheduledFor ? 'ride booked for later' : 'ride requested');
    return { status: 201, body: toRide(row), headers: { location: `/api/v1/rides/${row.id}` } };
  } catch (err) {
    const clash = uniqueViolation(err);
    if (!clash) throw err;
    // This key made a ride already (a retry), or a concurrent request with it won the
    // insert: answer with that ride.
    const again = await replay();
    if (again) return again;
    if (clash === 'rider_active') {
      const active = await stores.activeRideOf(riderId);
      throw conflict('you already have an active ride; cancel or finish it first', { activeRideId: active?.id ?? null });
    }
    throw err;
  }
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  const r = await handle({ ...c.req.valid('json'), idempotencyKey: c.req.valid('header')['idempotency-key'] }, c.get('principal'), c.get('log'));
  return r.status === 201 ? c.json(r.body, 201, r.headers) : c.json(r.body, 200);
});
