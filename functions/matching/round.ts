/**
 * One offer round: claim it, find the nearest available drivers (radius widening, those
 * not offered yet first), record the result. Returns the decision to announce, or null
 * when there is nothing to say (nobody around, or someone else moved the ride on).
 */
import type { VehicleClass } from '../../contracts/vehicles.js';
import { nearestAvailable, type NearbyDriver } from '../tracking/live-index.js';
import { matchingSettings } from './settings.js';
import { claimRound, excludedDrivers, recordRound, rideState, type MatchRide } from './state.js';

export interface OfferDecision {
  rideId: string;
  riderId: string;
  driverIds: string[];
  round: number;
  expiresAt: string;
}

/** What a round reads and writes: matching's state (state.ts) and the live index, in Redis; fakes in unit tests. */
export interface RoundStores {
  claimRound: typeof claimRound;
  rideState: typeof rideState;
  excludedDrivers: typeof excludedDrivers;
  recordRound: typeof recordRound;
  nearestAvailable: typeof nearestAvailable;
}

export const roundStores: RoundStores = { claimRound, rideState, excludedDrivers, recordRound, nearestAvailable };

export async function findDrivers(
  where: { vehicleClass: VehicleClass; lat: number; lon: number },
  exclude: ReadonlySet<string>,
  stores: Pick<RoundStores, 'nearestAvailable'>,
): Promise<NearbyDriver[]> {
  const { MATCHING_RADII_METERS, MATCHING_OFFER_FANOUT } = matchingSettings();
  for (const radiusMeters of MATCHING_RADII_METERS) {
    const found = await stores.nearestAvailable({ ...where, radiusMeters, limit: MATCHING_OFFER_FANOUT, exclude });
    if (found.length > 0) return found;
  }
  return [];
}

/**
 * Runs round `fromRound + 1`. `opened` = the caller just opened the ride, which claims the
 * first search and means nobody was asked yet (two Redis round trips saved on the hot path).
 *
 * When that round was run already and still stands, hands it back as it was decided: the
 * caller is a redelivery whose first try may have failed to announce it (announceRound).
 */
export async function runRound(rideId: string, fromRound: number, stores: RoundStores, opened?: MatchRide): Promise<OfferDecision | null> {
  if (!opened) {
    const claim = await stores.claimRound(rideId, fromRound);
    if (claim === 'moved_on') return standingRound(rideId, fromRound + 1, stores);
    if (claim !== 'claimed') return null;
  }
  const state = opened ?? (await stores.rideState(rideId));
  if (!state || ('open' in state && !state.open)) return null;
  const { offered, declined } = opened ? { offered: new Set<string>(), declined: new Set<string>() } : await stores.excludedDrivers(rideId);
  // Drivers not asked yet come first; when everyone near was asked, those whose offer
  // merely lapsed get another chance (those who said no do not).
  let drivers = await findDrivers(state, offered, stores);
  if (drivers.length === 0 && offered.size > declined.size) drivers = await findDrivers(state, declined, stores);

  const { MATCHING_OFFER_TTL_SECONDS, MATCHING_RETRY_SECONDS } = matchingSettings();
  const now = Date.now();
  const expiresAt = now + Math.round(MATCHING_OFFER_TTL_SECONDS * 1000);
  const driverIds = drivers.map((d) => d.driverId);
  const round = await stores.recordRound(rideId, fromRound, driverIds, expiresAt, now + Math.round(MATCHING_RETRY_SECONDS * 1000));
  if (round <= 0) return null;
  return { rideId, riderId: state.riderId, driverIds, round, expiresAt: new Date(expiresAt).toISOString() };
}

/** Round `round` as recorded, if it is the ride's current round and its offers have not lapsed. */
async function standingRound(rideId: string, round: number, stores: Pick<RoundStores, 'rideState'>, now = Date.now()): Promise<OfferDecision | null> {
  const s = await stores.rideState(rideId);
  if (!s?.open || s.round !== round || s.pending.length === 0 || s.expiresAt <= now) return null;
  return { rideId, riderId: s.riderId, driverIds: s.pending, round, expiresAt: new Date(s.expiresAt).toISOString() };
}
