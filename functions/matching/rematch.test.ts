import { describe, expect, it, vi } from 'vitest';
import type { EventData } from '../../contracts/events.js';
import { clockAt, recordingLog } from '../test-support.js';
import { cellOf } from '../tracking/live-index.js';
import { fakeMatchingStores, nearbyDriver, NOW, pickup, requested } from './fakes.js';
import { handle } from './rematch.js';
import { handle as request } from './request.js';
import { handle as close } from './close.js';

const cell = cellOf(pickup.lat, pickup.lon);

const rematching = (driverId: string, over: Partial<EventData<'microride.ride.rematching'>> = {}): EventData<'microride.ride.rematching'> => ({
  rideId: 'ride-1',
  riderId: 'rider-1',
  driverId,
  from: 'accepted',
  pickup,
  vehicleClass: 'economy',
  ...over,
});

/** Ride 1 offered to `a` (round 1) and accepted by them: matching closed it. */
async function acceptedBy(f: ReturnType<typeof fakeMatchingStores>, driverId: string) {
  await request(requested(), recordingLog(), f.stores);
  await close({ rideId: 'ride-1', acceptedBy: driverId }, f.stores);
}

describe('matching-rematch handle', () => {
  clockAt(NOW);

  it('matches the ride again from its round, never offering it to the driver who cancelled, and counts its demand again', async () => {
    // Only `a` is near at first (fan-out 3 would offer both at once).
    const g = fakeMatchingStores([nearbyDriver('a', 300)]);
    await acceptedBy(g, 'a');
    expect(g.openRequests.get(`economy/${cell}`)).toBe(0);
    g.geo.drivers = [nearbyDriver('a', 300), nearbyDriver('b', 900)];
    vi.setSystemTime(NOW + 5_000);
    await handle(rematching('a'), recordingLog(), g.stores);
    expect(g.announced.map((x) => x.decision)).toEqual([
      { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['a'], round: 1, expiresAt: new Date(NOW + 20_000).toISOString() },
      { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['b'], round: 2, expiresAt: new Date(NOW + 25_000).toISOString() },
    ]);
    expect(g.openRequests.get(`economy/${cell}`)).toBe(1);
    expect(await g.state.rideState('ride-1')).toMatchObject({ open: true, round: 2, pending: ['b'] });
  });

  it('offers nobody while only the driver who cancelled is near; the sweep looks again', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await acceptedBy(f, 'a');
    const { log, lines } = recordingLog();
    await handle(rematching('a'), { log }, f.stores);
    expect(f.announced).toHaveLength(1);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: true, round: 1, pending: [] });
    expect(f.state.due.get('ride-1')).toBe(NOW + 5_000);
    expect(lines.map((l) => l.msg)).toContain('rematching: no available driver near the pickup yet; will look again');
  });

  it('a late close for the cancelled acceptance does not stop the new matching', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await request(requested(), recordingLog(), f.stores);
    f.geo.drivers = [nearbyDriver('a', 300), nearbyDriver('b', 900)];
    // ride.rematching overtook the ride.accepted of `a`.
    await handle(rematching('a'), recordingLog(), f.stores);
    await close({ rideId: 'ride-1', acceptedBy: 'a' }, f.stores);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: true, round: 2, pending: ['b'] });
    expect(f.openRequests.get(`economy/${cell}`)).toBe(1);
    // The new driver's acceptance closes it as ever.
    await close({ rideId: 'ride-1', acceptedBy: 'b' }, f.stores);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: false });
    expect(f.openRequests.get(`economy/${cell}`)).toBe(0);
  });

  it('a redelivery hands over the round already decided, and counts nothing twice', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await acceptedBy(f, 'a');
    f.geo.drivers = [nearbyDriver('a', 300), nearbyDriver('b', 900)];
    await handle(rematching('a'), recordingLog(), f.stores);
    await handle(rematching('a'), recordingLog(), f.stores);
    expect(f.announced.map((x) => [x.decision.round, x.decision.driverIds])).toEqual([
      [1, ['a']],
      [2, ['b']],
      [2, ['b']],
    ]);
    // Searched once: the redelivery found the round standing.
    expect(f.geo.searches.filter((x) => x.exclude.includes('a'))).toHaveLength(1);
    expect(f.openRequests.get(`economy/${cell}`)).toBe(1);
  });

  it('a ride that ended (cancelled or expired, even reordered) is not matched again', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300), nearbyDriver('b', 900)]);
    await acceptedBy(f, 'a');
    await close({ rideId: 'ride-1' }, f.stores);
    const { log, lines } = recordingLog();
    await handle(rematching('a'), { log }, f.stores);
    expect(f.announced).toHaveLength(1);
    expect(lines.map((l) => l.msg)).toEqual(['rematching a ride that already ended; nothing to do']);
  });

  it('a ride whose matching state is gone is opened afresh from the event', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300), nearbyDriver('b', 900)]);
    await handle(rematching('a', { from: 'arrived' }), recordingLog(), f.stores);
    expect(f.announced.map((x) => x.decision)).toEqual([
      { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['b'], round: 1, expiresAt: new Date(NOW + 20_000).toISOString() },
    ]);
    expect(f.openRequests.get(`economy/${cell}`)).toBe(1);
  });
});
