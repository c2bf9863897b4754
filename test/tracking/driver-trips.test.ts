import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useServices } from './support.js';
import { deliver } from './events.js';
import { json, post, registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import { liveDriver, nearestAvailable } from '../../functions/tracking/live-index.js';

const ctx = useServices();
const get = (path: string, s: Session) => fetch(`${ctx.url}${path}`, { headers: s.auth });
const put = (path: string, s: Session, body: unknown) => fetch(`${ctx.url}${path}`, { method: 'PUT', headers: { ...json, ...s.auth }, body: JSON.stringify(body) });
const me = async (s: Session) => (await (await get('/api/v1/drivers/me', s)).json()) as { status: string; rating: { average: number | null; count: number } };

const fare = { amount: 1500, currency: 'EUR' };
const trip = (type: string, data: Record<string, unknown>, id?: string) =>
  deliver(ctx.internalUrl, 'drivers-trip-status', type, data, id ? { id, source: '/microride/rides' } : { source: '/microride/rides' });

let spot = 0;
async function onlineAndLocated() {
  spot += 1;
  const here = { lat: 50 + spot * 0.2, lon: 4 + spot * 0.2 };
  const session = await registerAndLogin(ctx.url, 'driver');
  const profile = await registerDriver(ctx.url, session);
  expect((await put('/api/v1/drivers/me/availability', session, { status: 'online' })).status).toBe(200);
  expect((await post(ctx.url, '/api/v1/drivers/me/location', here, session.auth)).status).toBe(202);
  const searchable = async () =>
    (await nearestAvailable({ vehicleClass: 'economy', ...here, radiusMeters: 500, limit: 5 })).some((d) => d.driverId === session.user.id);
  return { session, profile, searchable };
}

describe('drivers follow their trips', () => {
  it('goes on_trip on acceptance and back online when that ride ends', async () => {
    const { session, searchable } = await onlineAndLocated();
    expect(await searchable()).toBe(true);
    const rideId = randomUUID();
    const parties = { rideId, riderId: randomUUID(), driverId: session.user.id };
    expect((await trip('microride.ride.accepted', { ...parties, acceptedAt: new Date().toISOString() })).status).toBe(202);
    expect((await me(session)).status).toBe('on_trip');
    expect((await liveDriver(session.user.id))?.status).toBe('on_trip');
    expect(await searchable()).toBe(false);
    // Availability cannot be switched while on a trip.
    expect((await put('/api/v1/drivers/me/availability', session, { status: 'offline' })).status).toBe(409);
    // The end of some other ride does not release the driver.
    await trip('microride.ride.cancelled', { rideId: randomUUID(), riderId: randomUUID(), driverId: session.user.id, by: 'rider', fee: null });
    expect((await me(session)).status).toBe('on_trip');

    expect((await trip('microride.ride.completed', { ...parties, distanceMeters: 1000, durationSeconds: 300, fare })).status).toBe(202);
    expect((await me(session)).status).toBe('online');
    expect(await searchable()).toBe(true);
    // A redelivered acceptance of the finished ride does not put the driver back on it.
    await trip('microride.ride.accepted', { ...parties, acceptedAt: new Date().toISOString() });
    expect((await me(session)).status).toBe('online');
  });

  it('tolerates the end arriving before the acceptance, and cancellations without a driver', async () => {
    const { session, searchable } = await onlineAndLocated();
    const rideId = randomUUID();
    const parties = { rideId, riderId: randomUUID(), driverId: session.user.id };
    await trip('microride.ride.cancelled', { ...parties, by: 'driver', reason: 'flat tyre', fee: null });
    await trip('microride.ride.accepted', { ...parties, acceptedAt: new Date().toISOString() });
    expect((await me(session)).status).toBe('online');
    expect(await searchable()).toBe(true);
    expect((await trip('microride.ride.cancelled', { rideId: randomUUID(), riderId: randomUUID(), driverId: null, by: 'system', fee: null })).status).toBe(202);
    // An accepted ride for a user without a driver profile is acknowledged, not retried for ever.
    expect((await trip('microride.ride.accepted', { rideId: randomUUID(), riderId: randomUUID(), driverId: randomUUID(), acceptedAt: new Date().toISOString() })).status).toBe(202);
  });

  it('an acceptance and the end of the same ride delivered at the same moment never leave the driver on that trip', async () => {
    const { session } = await onlineAndLocated();
    for (let round = 0; round < 15; round++) {
      const parties = { rideId: randomUUID(), riderId: randomUUID(), driverId: session.user.id };
      const accepted = trip('microride.ride.accepted', { ...parties, acceptedAt: new Date().toISOString() });
      const ended =
        round % 2 === 0
          ? trip('microride.ride.completed', { ...parties, distanceMeters: 1000, durationSeconds: 300, fare })
          : trip('microride.ride.cancelled', { ...parties, by: 'driver', reason: 'race', fee: null });
      const [a, e] = await Promise.all([accepted, ended]);
      expect([a.status, e.status]).toEqual([202, 202]);
      // Whichever ran first, the ride ended: the driver is free, in PostgreSQL and in the live index.
      expect((await me(session)).status).toBe('online');
      expect((await liveDriver(session.user.id))?.status).toBe('online');
    }
  });

  it('a driver who gives a ride back before pickup is free again, it counts against them once, and the driver who takes it over is on it', async () => {
    const first = await onlineAndLocated();
    const second = await onlineAndLocated();
    const rideId = randomUUID();
    const riderId = randomUUID();
    await trip('microride.ride.accepted', { rideId, riderId, driverId: first.session.user.id, acceptedAt: new Date().toISOString() });
    expect((await me(first.session)).status).toBe('on_trip');
    const rematching = { rideId, riderId, driverId: first.session.user.id, from: 'arrived', reason: 'flat tyre', pickup: { lat: 50, lon: 4 }, vehicleClass: 'economy' };
    expect((await trip('microride.ride.rematching', rematching, `rematching-${rideId}`)).status).toBe(202);
    expect((await trip('microride.ride.rematching', rematching, `rematching-${rideId}`)).status).toBe(202); // redelivered
    expect((await trip('microride.ride.rematching', rematching)).status).toBe(202); // re-emitted with a new id
    const profile = (await (await get('/api/v1/drivers/me', first.session)).json()) as { status: string; cancellations: { beforePickup: number } };
    expect(profile).toMatchObject({ status: 'online', cancellations: { beforePickup: 1 } });
    expect(await first.searchable()).toBe(true);
    // The same ride, accepted by the next driver: the first driver's end of it does not keep them off it.
    await trip('microride.ride.accepted', { rideId, riderId, driverId: second.session.user.id, acceptedAt: new Date().toISOString() });
    expect((await me(second.session)).status).toBe('on_trip');
    // A late redelivery of the first acceptance does not put the first driver back on the ride.
    await trip('microride.ride.accepted', { rideId, riderId, driverId: first.session.user.id, acceptedAt: new Date().toISOString() });
    expect((await me(first.session)).status).toBe('online');
  });
});

describe('drivers ratings', () => {
  it('averages ride ratings once per ride', async () => {
    const session = await registerAndLogin(ctx.url, 'driver');
    await registerDriver(ctx.url, session);
    const rate = (rideId: string, stars: number, id?: string) =>
      deliver(ctx.internalUrl, 'drivers-rating', 'microride.ride.rated', { rideId, riderId: randomUUID(), driverId: session.user.id, stars }, id ? { id } : {});
    const first = randomUUID();
    expect((await rate(first, 5, 'rated-1')).status).toBe(202);
    expect((await rate(first, 5, 'rated-1')).status).toBe(202); // redelivered
    expect((await rate(first, 1)).status).toBe(202); // another event for the same ride
    expect((await rate(randomUUID(), 4)).status).toBe(202);
    expect((await me(session)).rating).toEqual({ average: 4.5, count: 2 });
    expect((await rate(randomUUID(), 6)).status).toBe(400);
  });
});
