/**
 * In-memory stand-ins for matching's stores, and the events and drivers the unit tests
 * beside the operations feed them (no operation imports this file, so no function bundle
 * holds it; test/architecture/floors.test.ts). The state follows the Lua scripts of
 * state.ts step by step, so a test can play a ride through several operations; the
 * integration tests (test/rides) hold the scripts themselves to the same behaviour.
 */
import type { EventFunction } from '../../contracts/catalog-types.js';
import type { EventData } from '../../contracts/events.js';
import type { EventInput } from '../../platform/events/emit.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import type { NearbyDriver, NearestQuery } from '../tracking/live-index.js';
import type { OfferDecision } from './round.js';
import { SEARCH_STALE_MS, type ClaimResult, type CloseReason, type MatchRide, type RideState } from './state.js';

interface Ride extends Partial<MatchRide> {
  open: boolean;
  round: number;
  /** ms since epoch, or null when no search is running. */
  searching: number | null;
  pending: string[];
  expiresAt: number;
  /** Cancelled or expired: never reopened. */
  ended?: boolean;
  /** The round a driver's cancellation reopened the ride from. */
  rematch?: number;
}

/** When the tests' rides are requested; most tests stop the clock there (clockAt). */
export const NOW = Date.parse('2026-03-02T08:00:00.000Z');

/** Where the tests' rides start. */
export const pickup = { lat: 52.52, lon: 13.405 };

/** The ride `rideId` as requested at NOW: an economy ride from `pickup`, about 3 km, quoted at 12 EUR. */
export const requested = (rideId = 'ride-1', over: Partial<EventData<'microride.ride.requested'>> = {}): EventData<'microride.ride.requested'> => ({
  rideId,
  riderId: 'rider-1',
  pickup,
  dropoff: { lat: 52.53, lon: 13.45 },
  vehicleClass: 'economy',
  fare: { amount: 1200, currency: 'EUR' },
  requestedAt: new Date(NOW).toISOString(),
  ...over,
});

/** An available economy driver `distanceMeters` from the pickup, as the live index finds them. */
export const nearbyDriver = (id: string, distanceMeters: number): NearbyDriver => ({ driverId: id, driverProfileId: `profile-${id}`, distanceMeters });

/** Matching's working memory (state.ts) in a few maps. */
export class FakeMatchingState {
  readonly rides = new Map<string, Ride>();
  readonly offered = new Map<string, Set<string>>();
  readonly declined = new Map<string, Set<string>>();
  /** The sweep's list: ride id → when to look at it again (ms). */
  readonly due = new Map<string, number>();

  openRide = async (r: MatchRide, now = Date.now()): Promise<boolean> => {
    if (this.rides.has(r.rideId)) return false;
    this.rides.set(r.rideId, { ...r, open: true, round: 0, searching: now, pending: [], expiresAt: 0 });
    this.due.set(r.rideId, now + SEARCH_STALE_MS);
    return true;
  };

  claimRound = async (rideId: string, fromRound: number, now = Date.now()): Promise<ClaimResult> => {
    const h = this.rides.get(rideId);
    if (!h?.open) return 'closed';
    if (h.round !== fromRound) return 'moved_on';
    if (h.searching !== null && h.searching > now - SEARCH_STALE_MS) return 'busy';
    h.searching = now;
    this.due.set(rideId, now + SEARCH_STALE_MS);
    return 'claimed';
  };

  recordRound = async (rideId: string, fromRound: number, driverIds: readonly string[], expiresAt: number, retryAt: number): Promise<number> => {
    const h = this.rides.get(rideId);
    if (!h?.open || h.round !== fromRound) return -1;
    h.searching = null;
    if (driverIds.length > 0) {
      h.round = fromRound + 1;
      h.pending = [...driverIds];
      h.expiresAt = expiresAt;
      for (const id of driverIds) this.setOf(this.offered, rideId).add(id);
      this.due.set(rideId, expiresAt);
      return h.round;
    }
    h.pending = [];
    h.expiresAt = 0;
    this.due.set(rideId, retryAt);
    return 0;
  };

  recordDecline = async (rideId: string, driverId: string): Promise<number> => {
    const declined = this.setOf(this.declined, rideId);
    declined.add(driverId);
    const h = this.rides.get(rideId);
    if (!h?.open || h.pending.length === 0) return 0;
    if (!h.pending.includes(driverId) || !h.pending.every((id) => declined.has(id))) return 0;
    return h.round;
  };

  closeRide = async (rideId: string, why: CloseReason = 'ended'): Promise<{ cell: string; vehicleClass: VehicleClass } | null> => {
    if (why !== 'ended' && this.declined.get(rideId)?.has(why.accepted)) return null;
    const h = this.rides.get(rideId);
    // Closing an unknown ride leaves a tombstone, as the script does.
    if (!h) this.rides.set(rideId, { open: false, round: 0, searching: null, pending: [], expiresAt: 0, ended: why === 'ended' });
    else if (why === 'ended') h.ended = true;
    this.due.delete(rideId);
    if (!h?.open || h.cell === undefined || h.vehicleClass === undefined) return null;
    h.open = false;
    h.pending = [];
    return { cell: h.cell, vehicleClass: h.vehicleClass };
  };

  reopenRide = async (r: MatchRide, driverId: string, now = Date.now()): Promise<{ counted: boolean; fromRound: number }> => {
    const h = this.rides.get(r.rideId);
    if (h?.ended) return { counted: false, fromRound: -1 };
    const declined = this.setOf(this.declined, r.rideId);
    if (declined.has(driverId)) return { counted: false, fromRound: h?.rematch ?? -1 };
    declined.add(driverId);
    this.setOf(this.offered, r.rideId).add(driverId);
    const known = h?.vehicleClass !== undefined;
    const counted = !known || !h.open;
    const round = known ? h.round : 0;
    this.rides.set(r.rideId, { ...(known ? h : r), open: true, round, searching: null, pending: [], expiresAt: 0, rematch: round });
    this.due.set(r.rideId, now + SEARCH_STALE_MS);
    return { counted, fromRound: round };
  };

  rideState = async (rideId: string): Promise<RideState | null> => {
    const h = this.rides.get(rideId);
    if (!h?.vehicleClass) return null;
    return {
      rideId,
      riderId: h.riderId ?? '',
      vehicleClass: h.vehicleClass,
      lat: h.lat ?? 0,
      lon: h.lon ?? 0,
      cell: h.cell ?? '',
      open: h.open,
      round: h.round,
      pending: [...h.pending],
      expiresAt: h.expiresAt,
      searching: h.searching !== null,
    };
  };

  excludedDrivers = async (rideId: string): Promise<{ offered: Set<string>; declined: Set<string> }> => ({
    offered: new Set(this.offered.get(rideId)),
    declined: new Set(this.declined.get(rideId)),
  });

  takeDue = async (now = Date.now(), limit = 500): Promise<string[]> => {
    const ids = [...this.due]
      .filter(([, at]) => at <= now)
      .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
      .slice(0, limit)
      .map(([id]) => id);
    for (const id of ids) this.due.delete(id);
    return ids;
  };

  dueAgain = async (rideId: string, at: number): Promise<void> => {
    this.due.set(rideId, at);
  };

  private setOf(m: Map<string, Set<string>>, rideId: string): Set<string> {
    let s = m.get(rideId);
    if (!s) m.set(rideId, (s = new Set()));
    return s;
  }
}

/**
 * The live index as a list of available drivers with their distance from the pickup, and
 * every search asked of it (radius, what was left out).
 */
export class FakeGeoIndex {
  readonly searches: { radiusMeters: number; limit: number; exclude: string[] }[] = [];

  constructor(public drivers: (NearbyDriver & { vehicleClass?: VehicleClass })[] = []) {}

  nearestAvailable = async (q: NearestQuery): Promise<NearbyDriver[]> => {
    const exclude = q.exclude ?? new Set<string>();
    this.searches.push({ radiusMeters: q.radiusMeters, limit: q.limit, exclude: [...exclude].sort() });
    return this.drivers
      .filter((d) => (d.vehicleClass ?? 'economy') === q.vehicleClass && d.distanceMeters <= q.radiusMeters && !exclude.has(d.driverId))
      .sort((a, b) => a.distanceMeters - b.distanceMeters)
      .slice(0, Math.max(0, q.limit))
      .map(({ driverId, driverProfileId, distanceMeters }) => ({ driverId, driverProfileId, distanceMeters }));
  };

  /** The radii searched, in order. */
  get radii(): number[] {
    return this.searches.map((s) => s.radiusMeters);
  }
}

/** Everything any matching operation touches, faked, with what was sent out. */
export function fakeMatchingStores(drivers: ConstructorParameters<typeof FakeGeoIndex>[0] = []) {
  const state = new FakeMatchingState();
  const geo = new FakeGeoIndex(drivers);
  const openRequests = new Map<string, number>();
  const announced: { from: string; decision: OfferDecision }[] = [];
  const emitted: { from: string; input: EventInput<'microride.ride.offer_expired'> }[] = [];
  const stores = {
    openRide: state.openRide,
    claimRound: state.claimRound,
    recordRound: state.recordRound,
    recordDecline: state.recordDecline,
    closeRide: state.closeRide,
    reopenRide: state.reopenRide,
    rideState: state.rideState,
    excludedDrivers: state.excludedDrivers,
    takeDue: state.takeDue,
    dueAgain: state.dueAgain,
    nearestAvailable: geo.nearestAvailable,
    adjustOpenRequests: async (cell: string, vehicleClass: VehicleClass, delta: 1 | -1): Promise<number> => {
      const key = `${vehicleClass}/${cell}`;
      const n = (openRequests.get(key) ?? 0) + delta;
      openRequests.set(key, n);
      return n;
    },
    announceRound: async (spec: EventFunction, decision: OfferDecision): Promise<void> => {
      announced.push({ from: spec.name, decision: structuredClone(decision) });
    },
    emitEvent: async (spec: EventFunction, input: EventInput<'microride.ride.offer_expired'>): Promise<unknown> => {
      emitted.push({ from: spec.name, input: structuredClone(input) });
      return undefined;
    },
  };
  return { stores, state, geo, openRequests, announced, emitted };
}
