import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { livePosition, type LivePosition } from '../../contracts/live-position.js';
import { livePositionOf, publishLive, pushWindow, type LiveReads, type LiveStores } from './live-push.js';
import type { EtaModel } from './eta.js';
import type { LiveSettings } from './live-settings.js';

const model: EtaModel = { citySpeedKmh: 25, detourFactor: 1.3, recentWeight: 0.5, boundFactor: 1.6 };
const settings: LiveSettings = {
  LIVE_CITY_SPEED_KMH: 25, LIVE_DETOUR_FACTOR: 1.3, LIVE_RECENT_SPEED_WEIGHT: 0.5, LIVE_SPEED_BOUND_FACTOR: 1.6,
  LIVE_PUSH_INTERVAL_MS: 1000, LIVE_POSITION_TTL_SECONDS: 60,
};
const rideId = randomUUID();
const riderId = randomUUID();
const pickup = { lat: 52.5, lon: 13.4 };
const dropoff = { lat: 52.52, lon: 13.45 };
const at = new Date('2026-12-03T10:00:00.000Z');
const ping = { lat: 52.51, lon: 13.4, heading: 180, speedKmh: null };
const reads = (rank: number, extra: Partial<NonNullable<LiveReads['ride']>> = {}, previous: LivePosition | null = null): LiveReads => ({
  ride: { riderId, rank, pickup, dropoff, ...extra },
  previous,
});

describe('live position of a ping', () => {
  it('points at the pickup while accepted or arrived, at the drop-off once started, and fits the contract', () => {
    for (const [rank, towards] of [[30, 'pickup'], [40, 'pickup'], [50, 'dropoff']] as const) {
      const out = livePositionOf(rideId, ping, at, reads(rank), model);
      expect(out?.riderId).toBe(riderId);
      expect(out?.position.towards, String(rank)).toBe(towards);
      expect(livePosition.parse(out?.position)).toEqual(out?.position);
    }
    const toPickup = livePositionOf(rideId, ping, at, reads(30), model)!.position;
    expect(toPickup).toMatchObject({ rideId, lat: 52.51, lon: 13.4, heading: 180, speedKmh: null, at: at.toISOString() });
    expect(toPickup.distanceMeters).toBeGreaterThan(1_400); // 1.11 km × 1.3
  });

  it('is nothing for a ride not yet accepted, ended, unknown, or whose target is not known yet', () => {
    for (const rank of [10, 20, 90, 91, 92]) expect(livePositionOf(rideId, ping, at, reads(rank), model), String(rank)).toBeNull();
    expect(livePositionOf(rideId, ping, at, { ride: null, previous: null }, model)).toBeNull();
    expect(livePositionOf(rideId, ping, at, reads(30, { pickup: undefined }), model)).toBeNull();
    expect(livePositionOf(rideId, ping, at, reads(50, { dropoff: undefined }), model)).toBeNull();
    expect(livePositionOf(rideId, ping, at, reads(30, { riderId: undefined }), model)).toBeNull();
  });

  it('uses the reported speed, else the speed since the previous position', () => {
    const none = livePositionOf(rideId, ping, at, reads(30), model)!.position;
    const fast = livePositionOf(rideId, { ...ping, speedKmh: 40 }, at, reads(30), model)!.position;
    expect(fast.etaSeconds).toBeLessThan(none.etaSeconds);
    // 200 m in 10 s before this ping: 72 km/h derived, blended 48.5, bounded to 40 — as a reported 55 (blended 40)
    const previous = { ...none, lat: ping.lat + 200 / 111_195, at: new Date(at.getTime() - 10_000).toISOString() };
    const derived = livePositionOf(rideId, ping, at, reads(30, {}, previous), model)!.position;
    const bounded = livePositionOf(rideId, { ...ping, speedKmh: 55 }, at, reads(30), model)!.position;
    expect(derived.etaSeconds).toBe(bounded.etaSeconds);
    expect(derived.speedKmh).toBeNull(); // what the phone said, not what was derived
  });
});

describe('push throttle', () => {
  it('at most one push per window: pings in one window share it, the next window pushes again', () => {
    expect(pushWindow(10_000, 1000)).toBe(pushWindow(10_999, 1000));
    expect(pushWindow(11_000, 1000)).toBe(pushWindow(10_999, 1000) + 1);
  });

  it('a driver pinging at 1 Hz with jitter gets one push per second, never two in one', () => {
    const windows: number[] = [];
    let t = 1_700_000_000_250;
    for (let i = 0; i < 100; i++) {
      t += 1000 + ((i * 37) % 21) - 10; // 990..1010 ms apart
      windows.push(pushWindow(t, 1000));
    }
    const distinct = new Set(windows).size;
    expect(distinct).toBeGreaterThanOrEqual(98);
    // pings 4 Hz: one push per window
    const fast = Array.from({ length: 40 }, (_, i) => pushWindow(1_700_000_000_000 + i * 250, 1000));
    expect(new Set(fast).size).toBe(10);
  });

  it('publishLive stores and pushes only an active ride, handing the window its ping time', async () => {
    const calls: { riderId: string; p: LivePosition }[] = [];
    const stores = (rank: number): LiveStores => ({
      readLive: async () => reads(rank),
      storeAndPush: async (r, p) => (calls.push({ riderId: r, p }), 'pushed'),
      settings: () => settings,
    });
    expect(await publishLive(rideId, ping, at, stores(20))).toBe('inactive');
    expect(calls).toEqual([]);
    expect(await publishLive(rideId, ping, at, stores(40))).toBe('pushed');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ riderId, p: { rideId, towards: 'pickup', at: at.toISOString() } });
  });
});
