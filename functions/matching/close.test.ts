import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { cellOf } from '../tracking/live-index.js';
import { fakeMatchingStores, pickup, requested } from './fakes.js';
import { handle } from './close.js';
import { handle as request } from './request.js';

const key = `comfort/${cellOf(pickup.lat, pickup.lon)}`;

async function openRide(f: ReturnType<typeof fakeMatchingStores>) {
  await request(
    requested('ride-1', { vehicleClass: 'comfort' }),
    { log: pino({ level: 'silent' }) },
    f.stores,
  );
}

describe('matching-close handle', () => {
  it('stops matching an open ride and releases its open request in the cell', async () => {
    const f = fakeMatchingStores([{ driverId: 'a', driverProfileId: 'pa', distanceMeters: 300, vehicleClass: 'comfort' }]);
    await openRide(f);
    expect(f.openRequests.get(key)).toBe(1);

    await handle({ rideId: 'ride-1' }, f.stores);
    expect(f.openRequests.get(key)).toBe(0);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: false, pending: [] });
    expect(f.state.due.has('ride-1')).toBe(false);
  });

  it('a redelivered close (or accepted, then cancelled) releases the request once', async () => {
    const f = fakeMatchingStores();
    await openRide(f);
    await handle({ rideId: 'ride-1' }, f.stores);
    await handle({ rideId: 'ride-1' }, f.stores);
    expect(f.openRequests.get(key)).toBe(0);
  });

  it('closing a ride matching never saw releases nothing and keeps it from opening later', async () => {
    const f = fakeMatchingStores();
    await handle({ rideId: 'ride-1' }, f.stores);
    expect(f.openRequests.size).toBe(0);
    await openRide(f);
    expect(f.openRequests.size).toBe(0);
    expect(await f.state.rideState('ride-1')).toBeNull();
  });
});
