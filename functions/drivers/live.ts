/** drivers' side of the shared live index (functions/tracking/live-index.ts): status only. */
import { setDriverStatus } from '../tracking/live-index.js';
import type { DriverRow } from './store.js';

/**
 * Mirrors a committed row into the live index. Called after the commit and with the row's
 * own status, so a retry of the same request (or event) repairs a failed Redis write.
 */
export async function syncLiveStatus(row: DriverRow): Promise<void> {
  await setDriverStatus({ driverId: row.user_id, driverProfileId: row.id, vehicleClass: row.vehicle_class, status: row.status, version: Number(row.status_version) });
}
