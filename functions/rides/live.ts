/**
 * The ride's latest driver position and ETA, as tracking keeps it in Redis while the ride
 * is accepted, arrived or in_progress (contracts/live-position.ts). Read-only here: a
 * short-lived copy, so a missing, expired or unreadable value is simply "no live view".
 */
import { redis, rkey } from '../../platform/clients.js';
import { parseStoredJson } from '../../platform/stored-json.js';
import { liveKey, livePosition, type LivePosition } from '../../contracts/live-position.js';
import type { RideStatus } from './schemas.js';

/** The states in which a driver is on the way or on the trip: the only ones with a live view. */
export const LIVE_STATUSES: ReadonlySet<RideStatus> = new Set(['accepted', 'arrived', 'in_progress']);

export async function latestPosition(rideId: string): Promise<LivePosition | null> {
  return parseStoredJson(livePosition, await redis().get(rkey(...liveKey(rideId))));
}
