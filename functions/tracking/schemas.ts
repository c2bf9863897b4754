import { z } from '@hono/zod-openapi';

export const locationBody = z
  .object({
    lat: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
    lon: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
    heading: z.number().min(0, 'must be between 0 and 360').max(360, 'must be between 0 and 360').optional().openapi({ description: 'degrees clockwise from north' }),
    speedKmh: z.number().min(0, 'must be between 0 and 300').max(300, 'must be between 0 and 300').optional(),
  })
  .strict()
  .openapi('LocationUpdate');

export const locationAccepted = z
  .object({
    receivedAt: z.string(),
    rideId: z.string().uuid().nullable().openapi({ description: 'the ride this sample was recorded for, if any' }),
    searchable: z.boolean().openapi({ description: 'whether riders can be matched with you now (online and located)' }),
  })
  .openapi('LocationAccepted');

export const rideIdParam = z.object({
  id: z.string().uuid('must be a ride id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

const place = z.object({ lat: z.number(), lon: z.number() });

export const distanceQuery = z.object({
  live: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .openapi({
      param: { name: 'live', in: 'query' },
      description:
        '"true": answer only from the live trace (kept a week), never from the MongoDB archive; a ride tracking holds nothing live for is 404. For a caller pricing a trip that is ending now, where the archive cannot know more than the live state.',
    }),
});

export const rideStatus = z.enum(['requested', 'matching', 'accepted', 'arrived', 'in_progress', 'completed', 'cancelled', 'expired']);

export const track = z
  .object({
    rideId: z.string().uuid(),
    status: rideStatus,
    timeline: z.array(z.object({ type: z.string(), at: z.string(), location: place.optional() })).openapi({ description: 'every state change, oldest first' }),
    trace: z
      .array(z.object({ lat: z.number(), lon: z.number(), at: z.string(), heading: z.number().nullable(), speedKmh: z.number().nullable() }))
      .openapi({ description: 'the driver’s positions from acceptance to the end of the ride' }),
  })
  .openapi('RideTrack');

export const distance = z
  .object({
    distanceMeters: z.number().int().nonnegative(),
    samples: z.number().int().nonnegative(),
    durationSeconds: z.number().int().nonnegative(),
    basis: z.enum(['measured', 'none']).openapi({ description: '"none" when the trip has not started or too few positions were received' }),
  })
  .openapi('RideDistance');
