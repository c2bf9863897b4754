/**
 * The ride lifecycle as tracking sees it: a rank per ride event type. Delivery is at least
 * once and unordered, so a ride's status is the HIGHEST rank seen, never the last event:
 * a late "accepted" after "completed" does not move the ride backwards.
 */
export type RideStatus = 'requested' | 'matching' | 'accepted' | 'arrived' | 'in_progress' | 'completed' | 'cancelled' | 'expired';

/** Lifecycle rank of each ride event type and the status it implies. */
const lifecycle: Record<string, { rank: number; status: RideStatus }> = {
  'microride.ride.requested': { rank: 10, status: 'requested' },
  'microride.ride.offered': { rank: 20, status: 'matching' },
  'microride.ride.offer_expired': { rank: 20, status: 'matching' },
  'microride.ride.declined': { rank: 20, status: 'matching' },
  // The assigned driver cancelled before pickup and the ride is offered again. Ranks only
  // grow, so this cannot lower the ride's status; what it changes is who drives it
  // (ride-state.ts releases that driver: RELEASES_DRIVER_TYPES).
  'microride.ride.rematching': { rank: 20, status: 'matching' },
  'microride.ride.accepted': { rank: 30, status: 'accepted' },
  'microride.ride.driver_arrived': { rank: 40, status: 'arrived' },
  'microride.ride.started': { rank: 50, status: 'in_progress' },
  'microride.ride.completed': { rank: 90, status: 'completed' },
  // A rating exists only for a completed ride.
  'microride.ride.rated': { rank: 90, status: 'completed' },
  'microride.ride.cancelled': { rank: 91, status: 'cancelled' },
  'microride.ride.expired': { rank: 92, status: 'expired' },
};

/** From this rank on a driver is on the ride (accepted … before the end). */
export const ACTIVE_RANK = 30;
/** Ranks at or above this one are ended rides. */
export const TERMINAL_RANK = 90;

/** Event types whose `driverId` is the ride's assigned driver (in `declined` it is only an offered one). */
export const ASSIGNED_DRIVER_TYPES: ReadonlySet<string> = new Set([
  'microride.ride.accepted', 'microride.ride.driver_arrived', 'microride.ride.started',
  'microride.ride.completed', 'microride.ride.rated', 'microride.ride.cancelled',
]);

/** Event types whose `driverId` is a driver leaving the ride: their pointer goes, and their later events no longer speak for the ride. */
export const RELEASES_DRIVER_TYPES: ReadonlySet<string> = new Set(['microride.ride.rematching']);

export const RIDE_EVENT_TYPES = Object.keys(lifecycle);

export const rankOf = (type: string): number | undefined => lifecycle[type]?.rank;

/** When the ride ended: the first terminal event, except a rating (which comes after the end). */
export const endsRide = (type: string): boolean => (rankOf(type) ?? 0) >= TERMINAL_RANK && type !== 'microride.ride.rated';

export function statusOf(rank: number): RideStatus {
  let best: RideStatus = 'requested';
  let bestRank = -1;
  for (const { rank: r, status } of Object.values(lifecycle)) {
    if (r <= rank && r > bestRank) {
      best = status;
      bestRank = r;
    }
  }
  return best;
}
