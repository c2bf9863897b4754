import { z } from '@hono/zod-openapi';
import { vehicleClass } from '../../contracts/vehicles.js';
import { driverCard, sharedDriverCard } from '../../contracts/driver-card.js';
import { livePosition } from '../../contracts/live-position.js';
import { rideStatuses } from './migrations.js';

export const rideStatus = z.enum(rideStatuses);
export type RideStatus = z.infer<typeof rideStatus>;

/**
 * Rider-side states that still hold the rider's one active ride. Not `scheduled`: a ride
 * booked for tomorrow does not keep the rider from riding today; it starts matching only
 * when the rider has no other active ride then (store.ts startScheduledRide).
 */
export const activeStatuses: readonly RideStatus[] = ['requested', 'matching', 'accepted', 'arrived', 'in_progress'];

export const rideIdParam = z.object({
  id: z.string().uuid('must be a ride id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const requestRideBody = z
  .object({
    quoteId: z.string().min(16, 'must be a quoteId from POST /api/v1/quotes').max(4_096),
    scheduledFor: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 time with an offset, e.g. 2026-12-04T08:30:00Z' })
      .optional()
      .openapi({ description: 'Book for later: the pickup time, 15 minutes to 7 days ahead. Matching starts SCHEDULED_MATCH_LEAD_MINUTES before it; the quote is honoured.' }),
  })
  .strict()
  .openapi('RequestRideRequest');

export const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description: 'Same key → same ride, never two. Without it the quote itself is the key (one ride per quote).',
    }),
});

export const cancelBody = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict().openapi('CancelRideRequest');

export const ratingBody = z
  .object({ stars: z.number().int().min(1).max(5), comment: z.string().trim().max(1_000).optional() })
  .strict()
  .openapi('RateRideRequest');

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z.string().max(200).optional().openapi({ param: { name: 'cursor', in: 'query' }, description: 'nextCursor of the previous page' }),
  status: rideStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
});

const point = z.object({ lat: z.number(), lon: z.number() });
const money = z.object({ amount: z.number().int().openapi({ description: 'minor units (cents)' }), currency: z.string() });
const time = z.string().nullable();

export const ride = z
  .object({
    id: z.string().uuid(),
    status: rideStatus,
    riderId: z.string().uuid(),
    driverId: z.string().uuid().nullable().openapi({ description: 'the assigned driver’s id (= driver.id; GET /api/v1/drivers/{id})' }),
    driver: driverCard.nullable().openapi({ description: 'the assigned driver’s public card, as it was at acceptance; null before' }),
    pickupCode: z
      .string()
      .regex(/^[0-9]{4}$/)
      .optional()
      .openapi({ description: 'the rider’s only: the 4 digits the driver must enter to start the trip (POST /start); never shown to the driver' }),
    vehicleClass,
    pickup: point,
    dropoff: point,
    quote: z.object({ fare: money, surgeMultiplier: z.number(), distanceMeters: z.number().int(), durationSeconds: z.number().int() }),
    fare: money.extend({
      final: z.boolean(),
      basis: z.enum(['measured', 'quoted']).nullable().openapi({ description: 'quoted: the quote is charged; measured: repriced from the trip tracking measured (capped)' }),
      reason: z.string().nullable().openapi({ description: 'Why the final fare is what it is, e.g. "distance 38 % over the quote"; null until completed' }),
    }),
    distanceMeters: z.number().int().nullable(),
    durationSeconds: z.number().int().nullable(),
    cancellation: z.object({ by: z.enum(['rider', 'driver', 'system']), reason: z.string().nullable(), fee: money.nullable() }).nullable(),
    rating: z.object({ stars: z.number().int(), comment: z.string().nullable() }).nullable(),
    offer: z
      .object({ round: z.number().int(), expiresAt: z.string() })
      .optional()
      .openapi({ description: 'present when a driver views a ride offered to them' }),
    requestedAt: z.string(),
    scheduledFor: time.openapi({ description: 'the booked pickup time of a ride for later; null for a ride now' }),
    acceptedAt: time,
    arrivedAt: time,
    startedAt: time,
    completedAt: time,
    cancelledAt: time,
    expiredAt: time,
  })
  .openapi('Ride');

/** One ride as GET /rides/{id} shows it: the ride and, while a driver is on the way or on the trip, where the driver is. */
export const rideDetail = ride
  .extend({
    live: livePosition
      .nullable()
      .openapi({
        description:
          'The driver\'s latest position and ETA (to the pickup, or to the drop-off once started), as the last location ping left it; ' +
          'null unless accepted, arrived or in_progress, and when the driver has sent no position for a minute. The same shape as the `ride.driver_location` websocket message.',
      }),
  })
  .openapi('RideDetail');

export type RideDetail = z.infer<typeof rideDetail>;

/** The assigned driver starts the trip with the code the rider tells them. */
export const startBody = z
  .object({ pickupCode: z.string().regex(/^[0-9]{4}$/, 'must be the 4-digit code the rider was given') })
  .strict()
  .openapi('StartRideRequest');

export const shareTokenParam = z.object({
  token: z.string().min(20).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be a share token').openapi({ param: { name: 'token', in: 'path' } }),
});

export const shareLink = z
  .object({
    token: z.string(),
    url: z.string(),
    expiresAt: z.string().openapi({ description: 'the latest the link can work; it stops earlier, SHARE_AFTER_END_SECONDS after the ride ends, or when revoked' }),
  })
  .openapi('ShareLink');

export const sharedTrip = z
  .object({
    status: rideStatus,
    driver: sharedDriverCard.nullable().openapi({ description: 'the driver’s card without the plate; null before a driver accepted' }),
    live: livePosition.omit({ rideId: true }).nullable().openapi({ description: 'the driver’s latest position and ETA (towards the pickup, then the drop-off); null when none is known' }),
  })
  .openapi('SharedTrip');

export const rideList = z.object({ items: z.array(ride), nextCursor: z.string().nullable() }).openapi('RideList');

export type Ride = z.infer<typeof ride>;
