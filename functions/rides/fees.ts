/**
 * The cancellation rule, in one place:
 *   - the rider cancels for free while no driver is assigned, and within the grace
 *     period (CANCEL_GRACE_SECONDS) after a driver accepted;
 *   - the rider pays CANCEL_FEE_AMOUNT once the driver has arrived, or after the grace;
 *   - a driver's cancellation never costs the rider anything;
 *   - a trip in progress cannot be cancelled (the driver completes it), and a completed
 *     ride is final.
 * Which states each party may cancel from is the transitions table's (transitions.ts,
 * cancelByRider and cancelByDriver); what it costs is decided here.
 */
import type { RideRow } from './store.js';
import { rideSettings } from './settings.js';

export function cancellationFee(ride: Pick<RideRow, 'status' | 'accepted_at'>, by: 'rider' | 'driver', now = Date.now()): number | null {
  if (by !== 'rider') return null;
  const { CANCEL_GRACE_SECONDS, CANCEL_FEE_AMOUNT } = rideSettings();
  if (CANCEL_FEE_AMOUNT === 0) return null;
  if (ride.status === 'arrived') return CANCEL_FEE_AMOUNT;
  if (ride.status === 'accepted' && ride.accepted_at && now - ride.accepted_at.getTime() > CANCEL_GRACE_SECONDS * 1000) {
    return CANCEL_FEE_AMOUNT;
  }
  return null;
}
