/** drivers' side of the shared live index (functions/tracking/live-index.ts): status and the public card profile. */
import type { CardProfile } from '../../contracts/driver-card.js';
import { setDriverStatus } from '../tracking/live-index.js';
import { toPublic, type DriverRow } from './store.js';

/** What rides puts on a ride at acceptance (contracts/driver-card.ts), from the committed row. */
export function cardProfileOf(row: DriverRow): CardProfile {
  const p = toPublic(row);
  return {
    firstName: p.firstName,
    vehicle: { make: p.vehicle.make, model: p.vehicle.model, class: p.vehicle.class, plate: p.vehicle.plate },
    rating: p.rating,
  };
}

/**
 * Mirrors a committed row into the live index: its status and its card profile. Called
 * after the commit and with the row's own status, so a retry of the same request (or event)
 * repairs a failed Redis write.
 */
export async function syncLiveStatus(row: DriverRow): Promise<void> {
  await setDriverStatus({
    driverId: row.user_id, driverProfileId: row.id, vehicleClass: row.vehicle_class, status: row.status, version: Number(row.status_version), card: cardProfileOf(row),
  });
}
