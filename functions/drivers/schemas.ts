import { z } from '@hono/zod-openapi';
import { vehicleClass } from '../../contracts/vehicles.js';

/** Plates compare without case, spaces or dashes: "ab-12 cd" and "AB12CD" are one car. */
export const normalisePlate = (plate: string) => plate.toUpperCase().replace(/[\s-]+/g, '');

export const registerDriverBody = z
  .object({
    licenseNumber: z.string().trim().min(4, 'must be at least 4 characters').max(32),
    vehicle: z
      .object({
        make: z.string().trim().min(1).max(50),
        model: z.string().trim().min(1).max(50),
        plate: z
          .string()
          .trim()
          .max(16)
          .refine((p) => /^[A-Z0-9]{2,10}$/.test(normalisePlate(p)), 'must be 2–10 letters or digits (spaces and dashes allowed)'),
        class: vehicleClass,
        seats: z.number().int().min(1).max(8),
      })
      .strict(),
  })
  .strict()
  .openapi('RegisterDriverRequest');

const vehicle = z.object({ make: z.string(), model: z.string(), plate: z.string(), class: vehicleClass, seats: z.number().int() });

export const driverStatus = z.enum(['offline', 'online', 'on_trip']);

export const publicDriver = z
  .object({
    id: z.string().uuid().openapi({ description: 'the driver’s id: their account id, as rides and ride events name the driver (`driverId`)' }),
    name: z.string(),
    firstName: z.string().openapi({ description: 'what the rider’s driver card shows' }),
    vehicle,
    status: driverStatus,
    rating: z.object({ average: z.number().nullable(), count: z.number().int() }),
    cancellations: z
      .object({ beforePickup: z.number().int() })
      .optional()
      .openapi({ description: 'Rides the driver accepted and gave back before pickup; present for admins only' }),
  })
  .openapi('DriverPublic');

export const ownDriver = publicDriver
  .extend({
    licenseNumber: z.string(),
    cancellations: z
      .object({ beforePickup: z.number().int() })
      .openapi({ description: 'Rides the driver accepted and gave back before pickup (each went back to matching); shown to the driver and admins' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Driver');

export const availabilityBody = z.object({ status: z.enum(['online', 'offline']) }).strict().openapi('AvailabilityRequest');

export type RegisterDriverBody = z.infer<typeof registerDriverBody>;
export type OwnDriver = z.infer<typeof ownDriver>;
export type PublicDriver = z.infer<typeof publicDriver>;
