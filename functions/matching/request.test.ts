import { describe, expect, it, vi } from 'vitest';
import { clockAt, recordingLog } from '../test-support.js';
import { cellOf } from '../tracking/live-index.js';
import { fakeMatchingStores, nearbyDriver, NOW, pickup, requested } from './fakes.js';
import { handle } from './request.js';
import { handle as close } from './close.js';

const cell = cellOf(pickup.lat, pickup.lon);

describe('matching-request handle', () => {
  clockAt(NOW);

  it('opens the ride, counts the demand in its cell and offers it to the nearest drivers within 2 km', async () => {
    const f = fakeMatchingStores([nearbyDriver('far', 1_900), nearbyDriver('near', 300), nearbyDriver('mid', 900), nearbyDriver('fourth', 1_500), nearbyDriver('out', 2_500)]);
    await handle(requested(), recordingLog(), f.stores);

    expect(f.openRequests.get(`economy/${cell}`)).toBe(1);
    expect(f.geo.radii).toEqual([2_000]);
    // Fan-out 3, nearest first; the offer stands 20 s.
    expect(f.announced).toEqual([
      {
        from: 'matching-request',
        decision: { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['near', 'mid', 'fourth'], round: 1, expiresAt: new Date(NOW + 20_000).toISOString() },
      },
    ]);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: true, round: 1, pending: ['near', 'mid', 'fourth'], cell, searching: false });
    expect(f.state.due.get('ride-1')).toBe(NOW + 20_000);
  });

  it('widens the search 2 → 5 → 10 km until it finds someone', async () => {
    const at4km = fakeMatchingStores([nearbyDriver('d4', 4_000), nearbyDriver('d12', 12_000)]);
    await handle(requested(), recordingLog(), at4km.stores);
    expect(at4km.geo.radii).toEqual([2_000, 5_000]);
    expect(at4km.announced[0]!.decision.driverIds).toEqual(['d4']);

    const at8km = fakeMatchingStores([nearbyDriver('d8', 8_000)]);
    await handle(requested(), recordingLog(), at8km.stores);
    expect(at8km.geo.radii).toEqual([2_000, 5_000, 10_000]);
    expect(at8km.announced[0]!.decision.driverIds).toEqual(['d8']);
  });

  it('nobody within 10 km: announces nothing, logs it, and puts the ride on the sweep’s list for 5 s later', async () => {
    const f = fakeMatchingStores([nearbyDriver('d12', 12_000)]);
    const { log, lines } = recordingLog();
    await handle(requested(), { log }, f.stores);
    expect(f.geo.radii).toEqual([2_000, 5_000, 10_000]);
    expect(f.announced).toEqual([]);
    expect(f.openRequests.get(`economy/${cell}`)).toBe(1);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: true, round: 0, pending: [], searching: false });
    expect(f.state.due.get('ride-1')).toBe(NOW + 5_000);
    expect(lines).toContainEqual(expect.objectContaining({ rideId: 'ride-1', msg: 'no available driver near the pickup yet; will look again' }));
  });

  it('a redelivery hands over the same round again (rides could not take it) without counting the demand twice', async () => {
    const f = fakeMatchingStores([nearbyDriver('near', 300)]);
    let refuse = true;
    const announce = f.stores.announceRound;
    f.stores.announceRound = async (spec, decision) => {
      if (refuse) throw new Error('rides-offers answered 503');
      await announce(spec, decision);
    };
    await expect(handle(requested(), recordingLog(), f.stores)).rejects.toThrow('503');

    refuse = false;
    vi.setSystemTime(NOW + 1_000);
    await handle(requested(), recordingLog(), f.stores);
    expect(f.announced).toEqual([
      { from: 'matching-request', decision: { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['near'], round: 1, expiresAt: new Date(NOW + 20_000).toISOString() } },
    ]);
    expect(f.geo.searches).toHaveLength(1);
    expect(f.openRequests.get(`economy/${cell}`)).toBe(1);
  });

  it('a redelivery after the round lapsed hands over nothing (the sweep moves it on)', async () => {
    const f = fakeMatchingStores([nearbyDriver('near', 300)]);
    await handle(requested(), recordingLog(), f.stores);
    vi.setSystemTime(NOW + 20_000);
    await handle(requested(), recordingLog(), f.stores);
    expect(f.announced).toHaveLength(1);
  });

  it('a cancel that overtook the request: nothing is opened, counted or offered', async () => {
    const f = fakeMatchingStores([nearbyDriver('near', 300)]);
    await close({ rideId: 'ride-1' }, f.stores);
    await handle(requested(), recordingLog(), f.stores);
    expect(f.announced).toEqual([]);
    expect(f.geo.searches).toEqual([]);
    expect(f.openRequests.size).toBe(0);
    expect(f.state.due.has('ride-1')).toBe(false);
  });
});
