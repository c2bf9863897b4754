import { createHash, randomUUID } from 'node:crypto';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem, conflict, forbidden } from '../../platform/problem.js';
import { changeWithEvent } from '../../platform/events/outbox.js';
import { verifyQuote, type Quote } from '../analysis/quote-token.js';
import { idempotencyHeader, requestRideBody, ride } from './schemas.js';
import { activeRideOf, findByIdempotencyKey, ridesTable, toRide, uniqueViolation, type RideRow, type StoredQuote } from './store.js';

const spec = httpSpec('rides-request');

const route = routeOf(spec, {
  request: {
    headers: idempotencyHeader,
    body: { content: { 'application/json': { schema: requestRideBody } }, required: true },
  },
  responses: {
    201: { description: 'Ride requested; matching starts at once', content: { 'application/json': { schema: ride } } },
    200: { description: 'Replay: this Idempotency-Key already made this ride', content: { 'application/json': { schema: ride } } },
    403: { description: 'The quote was issued to another rider' },
    409: { description: 'You already have an active ride' },
  },
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { quoteId } = c.req.valid('json');
  const riderId = c.get('principal').userId;
  const requestHash = sha256(quoteId);
  // No header: the quote is the key, so a double tap on "request" still makes one ride.
  const key = c.req.valid('header')['idempotency-key'] ?? `quote:${requestHash}`;

  const replay = async () => {
    const existing = await findByIdempotencyKey(riderId, key);
    if (!existing) return null;
    if (existing.request_hash !== requestHash) {
      throw new HttpProblem(422, 'this Idempotency-Key was already used with a different request body', {
        errors: [{ path: 'Idempotency-Key', message: 'reused with another quoteId' }],
      });
    }
    return c.json(toRide(existing), 200);
  };

  // The replay lookup costs a query, so it runs only when the request cannot go ahead as a
  // new one: the quote no longer verifies (a retry after it expired) or the insert below
  // hits the key's unique index (a retry, or a concurrent twin).
  let quote: Quote;
  try {
    quote = await verifyQuote(quoteId);
    if (quote.riderId !== riderId) throw forbidden('this quote was issued to another rider');
  } catch (err) {
    const earlier = await replay();
    if (earlier) return earlier;
    throw err;
  }
  const stored: StoredQuote = {
    fare: quote.fare,
    tariff: quote.tariff,
    surgeMultiplier: quote.surgeMultiplier,
    distanceMeters: quote.distanceMeters,
    durationSeconds: quote.durationSeconds,
    pickupEtaSeconds: quote.pickupEtaSeconds,
    expiresAt: quote.expiresAt,
  };
  try {
    // The ride's id and time are chosen here so that its event is complete before the one
    // statement that writes both (changeWithEvent).
    const rideId = randomUUID();
    const requestedAt = new Date();
    const row = await changeWithEvent<RideRow, 'microride.ride.requested'>(
      spec,
      ridesTable()
        .insert({
          id: rideId,
          rider_id: riderId,
          status: 'requested',
          vehicle_class: quote.vehicleClass,
          pickup_lat: quote.pickup.lat,
          pickup_lon: quote.pickup.lon,
          dropoff_lat: quote.dropoff.lat,
          dropoff_lon: quote.dropoff.lon,
          quote: JSON.stringify(stored),
          currency: quote.fare.currency,
          quoted_amount: quote.fare.amount,
          idempotency_key: key,
          request_hash: requestHash,
          requested_at: requestedAt,
          updated_at: requestedAt,
        })
        .returning('*'),
      {
        type: 'microride.ride.requested',
        subject: rideId,
        data: {
          rideId,
          riderId,
          pickup: quote.pickup,
          dropoff: quote.dropoff,
          vehicleClass: quote.vehicleClass,
          fare: { amount: quote.fare.amount, currency: quote.fare.currency },
          requestedAt: requestedAt.toISOString(),
        },
      },
    );
    if (!row) throw new Error('insert returned no row');
    c.get('log').info({ rideId: row.id, riderId }, 'ride requested');
    return c.json(toRide(row), 201, { location: `/api/v1/rides/${row.id}` });
  } catch (err) {
    const clash = uniqueViolation(err);
    if (!clash) throw err;
    // This key made a ride already (a retry), or a concurrent request with it won the
    // insert: answer with that ride.
    const again = await replay();
    if (again) return again;
    if (clash === 'rider_active') {
      const active = await activeRideOf(riderId);
      throw conflict('you already have an active ride; cancel or finish it first', { activeRideId: active?.id ?? null });
    }
    throw err;
  }
});
