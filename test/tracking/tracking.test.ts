import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useServices } from './support.js';
import { deliver } from './events.js';
import { json, post, registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import { liveDriver, nearestAvailable } from '../../functions/tracking/live-index.js';
import { insertSample, timelineCollectionOf } from '../../functions/tracking/store.js';
import { appendTrace } from '../../functions/tracking/trip-trace.js';
import { rideSummary } from '../../functions/tracking/ride-state.js';
import { drivenDistance } from '../../functions/tracking/odometer.js';

const ctx = useServices();
const get = (path: string, s: Session) => fetch(`${ctx.url}${path}`, { headers: s.auth });
const put = (path: string, s: Session, body: unknown) => fetch(`${ctx.url}${path}`, { method: 'PUT', headers: { ...json, ...s.auth }, body: JSON.stringify(body) });
const locate = (s: Session, body: unknown) => post(ctx.url, '/api/v1/drivers/me/location', body, s.auth);

let spot = 0;
const place = () => {
  spot += 1;
  return { lat: 45 + spot * 0.2, lon: 7 + spot * 0.2 };
};
const north = (p: { lat: number; lon: number }, meters: number) => ({ lat: p.lat + meters / 111_195, lon: p.lon });

async function onlineDriver(vehicleClass: VehicleClass = 'economy') {
  const session = await registerAndLogin(ctx.url, 'driver');
  const profile = await registerDriver(ctx.url, session, { class: vehicleClass });
  expect((await put('/api/v1/drivers/me/availability', session, { status: 'online' })).status).toBe(200);
  return { session, profile };
}

const fare = { amount: 1234, currency: 'EUR' };
const timeline = (fn: string, type: string, data: Record<string, unknown>, time?: Date, id?: string) =>
  deliver(ctx.internalUrl, 'tracking-timeline', type, data, { source: `/microride/${fn}`, ...(time ? { time } : {}), ...(id ? { id } : {}) });

describe('POST /api/v1/drivers/me/location', () => {
  it('puts an online driver into the live index and takes them out when they go offline', async () => {
    const here = place();
    const { session } = await onlineDriver('comfort');
    expect((await liveDriver(session.user.id))?.status).toBe('online');

    const res = await locate(session, { ...north(here, 200), heading: 90, speedKmh: 30 });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ rideId: null, searchable: true });
    const found = await nearestAvailable({ vehicleClass: 'comfort', ...here, radiusMeters: 1_000, limit: 5 });
    expect(found).toEqual([{ driverId: session.user.id, driverProfileId: expect.any(String), distanceMeters: expect.any(Number) }]);

    expect((await put('/api/v1/drivers/me/availability', session, { status: 'offline' })).status).toBe(200);
    expect(await nearestAvailable({ vehicleClass: 'comfort', ...here, radiusMeters: 1_000, limit: 5 })).toEqual([]);
    const quiet = await locate(session, north(here, 210));
    expect(await quiet.json()).toMatchObject({ searchable: false });
    expect(await nearestAvailable({ vehicleClass: 'comfort', ...here, radiusMeters: 1_000, limit: 5 })).toEqual([]);
  });

  it('validates coordinates, heading and speed with field paths', async () => {
    const { session } = await onlineDriver();
    const res = await locate(session, { lat: 90.5, lon: -181, heading: 361, speedKmh: -1 });
    expect(res.status).toBe(422);
    const paths = ((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['heading', 'lat', 'lon', 'speedKmh']);
    expect((await locate(session, { lat: 10 })).status).toBe(422);
    expect((await locate(session, { lat: 10, lon: 10, speedKmh: 301 })).status).toBe(422);
    expect((await locate(session, { lat: -90, lon: 180, heading: 0, speedKmh: 0 })).status).toBe(202);
  });

  it('is for drivers only', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    expect((await locate(rider, { lat: 1, lon: 1 })).status).toBe(403);
    expect((await post(ctx.url, '/api/v1/drivers/me/location', { lat: 1, lon: 1 })).status).toBe(401);
  });
});

describe('ride timeline, trace and distance', () => {
  it('records every state change in MongoDB and serves it to the ride’s rider and driver only', async () => {
    const pickup = place();
    const rider = await registerAndLogin(ctx.url, 'rider');
    const { session: driver } = await onlineDriver();
    const stranger = await registerAndLogin(ctx.url, 'rider');
    const rideId = randomUUID();
    const parties = { rideId, riderId: rider.user.id, driverId: driver.user.id };
    const t0 = Date.now() - 10 * 60_000;
    const at = (s: number) => new Date(t0 + s * 1000);

    expect((await timeline('rides-request', 'microride.ride.requested', {
      rideId, riderId: rider.user.id, pickup, dropoff: north(pickup, 3_000), vehicleClass: 'economy', fare, requestedAt: at(0).toISOString(),
    }, at(0))).status).toBe(202);
    // Only the ride's parties may read it; before the driver is known, only the rider.
    expect((await get(`/api/v1/rides/${rideId}/track`, rider)).status).toBe(200);
    expect((await get(`/api/v1/rides/${rideId}/track`, driver)).status).toBe(404);

    const accepted = await timeline('rides-accept', 'microride.ride.accepted', { ...parties, acceptedAt: at(20).toISOString() }, at(20), 'acc-1');
    expect(accepted.status).toBe(202);
    // A redelivery changes nothing.
    expect((await timeline('rides-accept', 'microride.ride.accepted', { ...parties, acceptedAt: at(20).toISOString() }, at(20), 'acc-1')).status).toBe(202);

    // While on the ride, the driver's samples are tagged with it. (Sent now, from where the
    // synthetic drive below ends, so it adds no distance.)
    const tagged = await locate(driver, north(pickup, 1_200));
    expect(await tagged.json()).toMatchObject({ rideId });

    // A drive north at 36 km/h between start (t=60 s) and now: 100 m every 10 s. Stored as
    // POST /location stores a sample of a ride: in MongoDB and in the ride's trace in Redis.
    const record = async (s: { lat: number; lon: number; at: Date }, heading: number | null, speedKmh: number | null) => {
      await insertSample({ driverId: driver.user.id, rideId, lat: s.lat, lon: s.lon, at: s.at, heading, speedKmh });
      await appendTrace(rideId, s);
    };
    const samples = Array.from({ length: 13 }, (_, i) => ({ ...north(pickup, i * 100), at: at(60 + i * 10) }));
    for (const s of samples) await record(s, 0, 36);
    // A GPS jump in the middle of it is not driven distance.
    await record({ lat: 0, lon: 0, at: at(95) }, null, null);

    const before = (await (await get(`/api/v1/rides/${rideId}/distance`, driver)).json()) as { basis: string };
    expect(before.basis).toBe('none'); // not started yet

    await timeline('rides-arrived', 'microride.ride.driver_arrived', parties, at(50));
    await timeline('rides-start', 'microride.ride.started', parties, at(60));
    const dist = await get(`/api/v1/rides/${rideId}/distance`, driver);
    expect(dist.status).toBe(200);
    const d = (await dist.json()) as { distanceMeters: number; samples: number; durationSeconds: number; basis: string };
    expect(d.basis).toBe('measured');
    expect(d.distanceMeters).toBe(drivenDistance(samples).meters);
    expect(d.distanceMeters).toBeGreaterThan(1_190);
    expect(d.distanceMeters).toBeLessThan(1_210);
    expect(d.samples).toBe(14); // 13 synthetic + the live one, the jump left out
    expect(d.durationSeconds).toBeGreaterThanOrEqual(539);
    expect((await get(`/api/v1/rides/${rideId}/distance`, stranger)).status).toBe(404);

    // Completed arrives (now: where it happened is the driver's live position, which is
    // at most 60 s older than the event); a late duplicate of "started" must not move the
    // status back.
    const end = new Date();
    await timeline('rides-complete', 'microride.ride.completed', { ...parties, distanceMeters: d.distanceMeters, durationSeconds: 120, fare }, end);
    await timeline('rides-start', 'microride.ride.started', parties, at(60));

    const res = await get(`/api/v1/rides/${rideId}/track`, rider);
    expect(res.status).toBe(200);
    const track = (await res.json()) as { status: string; timeline: { type: string; at: string; location?: { lat: number } }[]; trace: { at: string }[] };
    expect(track.status).toBe('completed');
    expect(track.timeline.map((e) => e.type)).toEqual([
      'microride.ride.requested', 'microride.ride.accepted', 'microride.ride.driver_arrived', 'microride.ride.started',
      'microride.ride.started', 'microride.ride.completed',
    ]);
    expect(track.timeline[0]!.location).toEqual(pickup);
    expect(track.timeline.find((e) => e.type === 'microride.ride.completed')?.location).toEqual(north(pickup, 1_200));
    // The trace runs from acceptance to completion, oldest first: 13 + the jump + the live one.
    expect(track.trace.length).toBe(15);
    expect(track.trace.map((s) => s.at)).toEqual([...track.trace.map((s) => s.at)].sort());
    expect((await get(`/api/v1/rides/${rideId}/track`, driver)).status).toBe(200);
    expect((await get(`/api/v1/rides/${rideId}/track`, stranger)).status).toBe(404);
    expect((await get(`/api/v1/rides/${randomUUID()}/track`, rider)).status).toBe(404);
    expect((await get(`/api/v1/rides/not-a-uuid/track`, rider)).status).toBe(422);

    // As stored: one MongoDB document per event applied, the summary in Redis.
    const docs = await (await timelineCollectionOf(rideId)).find({ rideId }).toArray();
    expect(docs).toHaveLength(6);
    expect(docs.find((e) => e._id === '/microride/rides-accept acc-1')).toMatchObject({ rideId, driverId: driver.user.id, rank: 30 });
    const summary = await rideSummary(rideId);
    expect(summary).toMatchObject({ riderId: rider.user.id, driverId: driver.user.id, rank: 90 });
    expect(summary?.startedAt?.toISOString()).toBe(at(60).toISOString());
    expect(summary?.endedAt?.toISOString()).toBe(end.toISOString());

    // After the ride the driver's samples are no longer tagged.
    expect(await (await locate(driver, pickup)).json()).toMatchObject({ rideId: null });
  });

  it('tolerates events out of order: an end before the acceptance keeps the ride ended', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const { session: driver } = await onlineDriver();
    const rideId = randomUUID();
    const parties = { rideId, riderId: rider.user.id, driverId: driver.user.id };
    await timeline('rides-cancel', 'microride.ride.cancelled', { ...parties, by: 'rider', fee: null }, new Date(Date.now() - 1_000));
    await timeline('rides-accept', 'microride.ride.accepted', { ...parties, acceptedAt: new Date(Date.now() - 5_000).toISOString() }, new Date(Date.now() - 5_000));
    const track = (await (await get(`/api/v1/rides/${rideId}/track`, driver)).json()) as { status: string; timeline: { type: string }[] };
    expect(track.status).toBe('cancelled');
    expect(track.timeline.map((e) => e.type)).toEqual(['microride.ride.accepted', 'microride.ride.cancelled']);
    expect(await (await locate(driver, place())).json()).toMatchObject({ rideId: null });
  });

  it('refuses events that are not valid CloudEvents or fail their schema (400, dead-lettered)', async () => {
    const bad = await timeline('rides-accept', 'microride.ride.accepted', { rideId: 'nope' });
    expect(bad.status).toBe(400);
  });
});
