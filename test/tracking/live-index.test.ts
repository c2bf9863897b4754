import { describe, it, expect, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  setDriverStatus, recordPosition, nearestAvailable, marketNear, adjustOpenRequests, liveDriver, sweepStale, cellOf, FRESH_MS,
} from '../../functions/tracking/live-index.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../helpers/platform.js';

afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

/** Each test works in its own spot on the map, so tests never see each other's drivers. */
let spot = 0;
const area = () => {
  spot += 1;
  return { lat: 48 + spot * 0.5, lon: 2 + spot * 0.5 };
};
/** `meters` north of a point. */
const north = (p: { lat: number; lon: number }, meters: number) => ({ lat: p.lat + meters / 111_195, lon: p.lon });

async function onlineDriver(at: { lat: number; lon: number }, vehicleClass: VehicleClass = 'economy', when = Date.now()) {
  const driverId = randomUUID();
  const driverProfileId = randomUUID();
  await setDriverStatus({ driverId, driverProfileId, vehicleClass, status: 'online' });
  expect(await recordPosition(driverId, { ...at, at: when })).toBe(when >= Date.now() - FRESH_MS ? 'indexed' : 'stored');
  return { driverId, driverProfileId };
}

describe('live driver index', () => {
  it('finds available drivers nearest first, within the radius, with their profile id', async () => {
    const here = area();
    const far = await onlineDriver(north(here, 900));
    const near = await onlineDriver(north(here, 100));
    const mid = await onlineDriver(north(here, 400));
    await onlineDriver(north(here, 5_000));
    const found = await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 2_000, limit: 10 });
    expect(found.map((d) => d.driverId)).toEqual([near.driverId, mid.driverId, far.driverId]);
    expect(found[0]).toEqual({ driverId: near.driverId, driverProfileId: near.driverProfileId, distanceMeters: expect.any(Number) });
    expect(found[0]!.distanceMeters).toBeGreaterThan(90);
    expect(found[0]!.distanceMeters).toBeLessThan(110);
    const two = await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 2_000, limit: 2, exclude: new Set([near.driverId]) });
    expect(two.map((d) => d.driverId)).toEqual([mid.driverId, far.driverId]);
    expect(await nearestAvailable({ vehicleClass: 'comfort', ...here, radiusMeters: 2_000, limit: 10 })).toEqual([]);
  });

  it('drops drivers who go offline or on a trip at once, and takes them back online', async () => {
    const here = area();
    const a = await onlineDriver(north(here, 100));
    const b = await onlineDriver(north(here, 200));
    await setDriverStatus({ ...a, vehicleClass: 'economy', status: 'offline' });
    await setDriverStatus({ ...b, vehicleClass: 'economy', status: 'on_trip' });
    expect(await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10 })).toEqual([]);
    // Positions keep coming while on a trip, but do not make the driver available.
    expect(await recordPosition(b.driverId, { ...north(here, 150), at: Date.now() })).toBe('stored');
    expect(await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10 })).toEqual([]);
    // Back online with a fresh position: searchable again immediately.
    expect(await setDriverStatus({ ...b, vehicleClass: 'economy', status: 'online' })).toBe(true);
    const found = await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10 });
    expect(found.map((d) => d.driverId)).toEqual([b.driverId]);
    expect((await liveDriver(b.driverId))?.status).toBe('online');
  });

  it('keeps the newest status when two versioned changes are synced in the opposite order', async () => {
    const here = area();
    const d = await onlineDriver(here);
    const base = { ...d, vehicleClass: 'economy' as const };
    // version 2 (back online after a trip) lands before version 1 (on the trip)
    expect(await setDriverStatus({ ...base, status: 'online', version: 2 })).toBe(true);
    expect(await setDriverStatus({ ...base, status: 'on_trip', version: 1 })).toBe(false);
    expect((await liveDriver(d.driverId))?.status).toBe('online');
    expect((await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 100, limit: 5 })).map((x) => x.driverId)).toContain(d.driverId);
    // the same version again is a harmless repeat; a newer one applies
    expect(await setDriverStatus({ ...base, status: 'online', version: 2 })).toBe(true);
    await setDriverStatus({ ...base, status: 'offline', version: 3 });
    expect((await liveDriver(d.driverId))?.status).toBe('offline');
  });

  it('keeps the card profile drivers write with a status, until a newer one replaces it', async () => {
    const d = await onlineDriver(area());
    const base = { ...d, vehicleClass: 'economy' as const };
    const card = { firstName: 'Ada', vehicle: { make: 'Kia', model: 'Niro', class: 'economy' as const, plate: 'B-AD 1' }, rating: { average: null, count: 0 } };
    expect((await liveDriver(d.driverId))?.card).toBeNull();
    await setDriverStatus({ ...base, status: 'online', card });
    expect((await liveDriver(d.driverId))?.card).toEqual(card);
    // a status without a card (a position, a sync that carries none) leaves it
    await setDriverStatus({ ...base, status: 'on_trip' });
    expect((await liveDriver(d.driverId))?.card).toEqual(card);
    const rated = { ...card, rating: { average: 4.5, count: 2 } };
    await setDriverStatus({ ...base, status: 'online', card: rated });
    expect((await liveDriver(d.driverId))?.card).toEqual(rated);
    // an older version changes neither the status nor the card
    await setDriverStatus({ ...base, status: 'online', version: 5, card: rated });
    await setDriverStatus({ ...base, status: 'offline', version: 4, card });
    expect(await liveDriver(d.driverId)).toMatchObject({ status: 'online', card: rated });
  });

  it('drops drivers who have been quiet for 30 s', async () => {
    const here = area();
    const now = Date.now();
    const quiet = await onlineDriver(north(here, 100), 'economy', now - FRESH_MS - 1_000);
    const fresh = await onlineDriver(north(here, 300), 'economy', now - 5_000);
    const found = await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10, now });
    expect(found.map((d) => d.driverId)).toEqual([fresh.driverId]);
    // 26 s later the other one has gone quiet too, and is swept out of the GEO set.
    expect(await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10, now: now + 26_000 })).toEqual([]);
    expect(await sweepStale(now + 26_000)).toBe(0);
    // A stale driver going online again is not searchable until a fresh position arrives.
    expect(await setDriverStatus({ ...quiet, vehicleClass: 'economy', status: 'online' })).toBe(false);
    expect(await recordPosition(quiet.driverId, { ...north(here, 100), at: Date.now() })).toBe('indexed');
    expect((await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10 })).map((d) => d.driverId)).toEqual([quiet.driverId]);
  });

  it('ignores a position older than the one it holds', async () => {
    const here = area();
    const d = await onlineDriver(north(here, 100));
    expect(await recordPosition(d.driverId, { ...north(here, 5_000), at: Date.now() - 10_000 })).toBe('out_of_order');
    const found = await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10 });
    expect(found.map((x) => x.driverId)).toEqual([d.driverId]);
  });

  it('does not index a driver whose status it does not know, and copes with polar coordinates', async () => {
    const here = area();
    const stranger = randomUUID();
    expect(await recordPosition(stranger, { ...here, at: Date.now() })).toBe('stored');
    expect(await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 1_000, limit: 10 })).toEqual([]);
    const polar = randomUUID();
    await setDriverStatus({ driverId: polar, driverProfileId: randomUUID(), vehicleClass: 'xl', status: 'online' });
    expect(await recordPosition(polar, { lat: 89.9, lon: 0, at: Date.now() })).toBe('stored');
    expect(await nearestAvailable({ vehicleClass: 'xl', lat: 89.9, lon: 0, radiusMeters: 1_000, limit: 10 })).toEqual([]);
    expect((await marketNear({ lat: 89.9, lon: 0, vehicleClass: 'xl' })).availableDrivers).toBe(0);
  });

  it('counts supply and demand in the pickup’s geohash cell; open requests never go negative', async () => {
    const here = area();
    const cell = cellOf(here.lat, here.lon);
    await onlineDriver(here, 'comfort');
    await onlineDriver(north(here, 50), 'comfort');
    await onlineDriver(here, 'xl');
    expect(await adjustOpenRequests(cell, 'comfort', 1)).toBe(1);
    expect(await adjustOpenRequests(cell, 'comfort', 1)).toBe(2);
    expect(await adjustOpenRequests(cell, 'comfort', 1)).toBe(3);
    expect(await adjustOpenRequests(cell, 'comfort', -1)).toBe(2);
    expect(await marketNear({ ...here, vehicleClass: 'comfort' })).toEqual({ cell, availableDrivers: 2, openRequests: 2 });
    expect(await marketNear({ ...here, vehicleClass: 'economy' })).toEqual({ cell, availableDrivers: 0, openRequests: 0 });
    expect(await adjustOpenRequests(cell, 'xl', -1)).toBe(0);
    expect(await adjustOpenRequests(cell, 'xl', 1)).toBe(1);
  });
});
