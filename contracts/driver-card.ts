/**
 * The public driver card: what a rider learns about the driver who accepted their ride,
 * on the ride (detail and list) and in the ride events the notifier pushes. It is a
 * snapshot taken at acceptance (functions/rides/accept.ts): the car that comes is the car
 * the rider was told about, whatever the profile says later.
 *
 * `id` is the driver's id, the one id the whole API names drivers by: the driver's
 * account (user) id — `ride.driverId`, the events' `driverId`, `GET /api/v1/drivers/{id}`.
 * The licence number is never part of it.
 */
import { z } from 'zod';
import { vehicleClass } from './vehicles.js';

export const driverCard = z.object({
  id: z.uuid(),
  firstName: z.string().min(1).max(100),
  vehicle: z.object({ make: z.string(), model: z.string(), class: vehicleClass, plate: z.string() }),
  rating: z.object({ average: z.number().nullable(), count: z.number().int().nonnegative() }),
  /** Where the driver was when they accepted (the live index's last position); null when it held none. */
  positionAtAcceptance: z.object({ lat: z.number(), lon: z.number(), at: z.iso.datetime({ offset: true }) }).nullable(),
});

export type DriverCard = z.infer<typeof driverCard>;

/**
 * The card's profile part, as the drivers service keeps it in the live index beside the
 * driver's status (functions/tracking/live-index.ts): what rides reads at acceptance
 * without a call. The id and the position come from the index itself.
 */
export const cardProfile = driverCard.omit({ id: true, positionAtAcceptance: true });

export type CardProfile = z.infer<typeof cardProfile>;

/** The card a shared-trip viewer (no account) sees: no plate, nothing to look the driver up by. */
export const sharedDriverCard = driverCard.omit({ id: true, positionAtAcceptance: true }).extend({
  vehicle: driverCard.shape.vehicle.omit({ plate: true }),
});

export type SharedDriverCard = z.infer<typeof sharedDriverCard>;

export const toSharedCard = (c: DriverCard): SharedDriverCard => ({
  firstName: c.firstName,
  vehicle: { make: c.vehicle.make, model: c.vehicle.model, class: c.vehicle.class },
  rating: c.rating,
});
