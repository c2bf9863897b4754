import { z } from '@hono/zod-openapi';
import { haversineMeters } from '../../platform/geo.js';
import { vehicleClass } from '../../contracts/vehicles.js';

export const point = z
  .object({
    lat: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90').openapi({ example: 52.5200 }),
    lon: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180').openapi({ example: 13.4050 }),
  })
  .strict()
  .openapi('Point');

/** Closer than this, pickup and dropoff are the same place: there is no trip to price. */
export const MIN_TRIP_METERS = 50;
/** Straight line; further than this is not a city ride and our speed model would lie. */
export const MAX_TRIP_METERS = 300_000;

const inRange = (p: { lat: unknown; lon: unknown } | undefined): boolean =>
  !!p && typeof p.lat === 'number' && typeof p.lon === 'number' && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;

export const quoteRequest = z
  .object({ pickup: point, dropoff: point, vehicleClass })
  .strict()
  .superRefine((v, ctx) => {
    // zod runs this even when a coordinate already failed; those errors say enough.
    if (!inRange(v.pickup) || !inRange(v.dropoff)) return;
    const d = haversineMeters(v.pickup, v.dropoff);
    if (d < MIN_TRIP_METERS) ctx.addIssue({ code: 'custom', path: ['dropoff'], message: `must be at least ${MIN_TRIP_METERS} m from the pickup` });
    else if (d > MAX_TRIP_METERS) ctx.addIssue({ code: 'custom', path: ['dropoff'], message: `must be within ${MAX_TRIP_METERS / 1000} km of the pickup` });
  })
  .openapi('QuoteRequest');

const cents = z.number().int().nonnegative();

export const fareBreakdown = z
  .object({ base: cents, distance: cents, time: cents, surgeExtra: cents, minimumApplied: cents })
  .openapi('FareBreakdown', { description: 'Integer cents; the parts sum to the amount' });

export const fare = z
  .object({ amount: cents.openapi({ description: 'integer cents' }), currency: z.literal('EUR'), breakdown: fareBreakdown })
  .openapi('Fare');

export const tariff = z
  .object({ base: cents, perKm: cents, perMinute: cents, minimum: cents })
  .openapi('Tariff', { description: 'Cents; the final fare is recomputed from the distance actually driven with this tariff and the quoted surge' });

/** What a quote promises; the signed token carries exactly this. */
export const quote = z.object({
  riderId: z.string().uuid(),
  pickup: point,
  dropoff: point,
  vehicleClass,
  fare,
  tariff,
  surgeMultiplier: z.number().min(1).max(3),
  distanceMeters: z.number().int().nonnegative(),
  durationSeconds: z.number().int().nonnegative(),
  pickupEtaSeconds: z.number().int().nonnegative(),
  expiresAt: z.string().datetime({ offset: true }),
});

export type Quote = z.infer<typeof quote>;

export const quoteResponse = quote
  .extend({
    quoteId: z.string().openapi({ description: 'The signed quote (compact JWS); pass it to POST /api/v1/rides before expiresAt' }),
    pickupEtaSeconds: z.number().int().nonnegative().openapi({
      description: 'Time for the nearest available driver to reach the pickup; a default of 10 minutes when none is within 10 km',
    }),
  })
  .openapi('Quote');
