/**
 * The rider's journey through the real services: the driver card on the ride and its
 * events, the pickup code (right, wrong, missing, lockout) and its absence from everything
 * the driver sees, and share-my-trip links (work without an account, no plate, revoked,
 * dead after the ride ended + SHARE_AFTER_END_SECONDS, no other access).
 */
import { describe, expect, it } from 'vitest';
import { redis, rkey } from '../../platform/clients.js';
import { liveKey, type LivePosition } from '../../contracts/live-position.js';
import { connect, type Client } from '../notifier/helpers.js';
import { registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import { useRidesPlatform } from './harness.js';
import {
  acceptedRide, call, eventOf, eventually, goOnline, moveTo, newArea, newDriver, newRider, pickupCodeOf, startWithCode, step, type Driver, type Point, type RideView,
} from './client.js';

// A short after-end window so the test sees a link die without waiting 15 minutes.
const SHARE_AFTER_END_SECONDS = 3;
// The other cases read shared trips from this machine's address (polling included); the limit case reads from its own.
const SHARED_RATE_LIMIT = 200;
const env = useRidesPlatform({ SHARE_AFTER_END_SECONDS: String(SHARE_AFTER_END_SECONDS), SHARED_RATE_LIMIT: String(SHARED_RATE_LIMIT) }, { notifier: true });

interface Card {
  id: string;
  firstName: string;
  vehicle: { make: string; model: string; class: string; plate: string };
  rating: { average: number | null; count: number };
  positionAtAcceptance: { lat: number; lon: number; at: string } | null;
}
type Detail = RideView & { driver: Card | null; pickupCode?: string };

/** A driver called Grace Hopper in a Skoda, online at `at`. */
async function grace(at: Point): Promise<Driver & { plate: string }> {
  const session = await registerAndLogin(env.url, 'driver', 'Grace Hopper');
  const profile = await registerDriver(env.url, session, { make: 'Skoda', model: 'Octavia', class: 'economy' });
  await goOnline(env.url, session, at);
  return { session, id: session.user.id, plate: profile.vehicle.plate };
}

const wsUrl = () => {
  const n = env.platform.notifier;
  if (!n) throw new Error('notifier not started');
  return n.wsUrl;
};

/** Whether text the driver got holds the code: as a field's value, or the code itself as a string (a 422 may name the field, not its value). */
const leaks = (text: string, code: string) => /"pickup_?[cC]ode"\s*:\s*"/.test(text) || text.includes(`"${code}"`) || text.includes(`\\"${code}\\"`);

describe('the driver card', () => {
  it('is on the ride (detail and list, for both) and on every ride event from the accept on; its id opens the driver profile', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await grace(a.at(300));
    const driverSocket = await connect(wsUrl(), driver.session.accessToken);
    try {
      const accepted = (await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000))) as Detail;
      const card = accepted.driver;
      expect(card).toEqual({
        id: driver.id,
        firstName: 'Grace',
        vehicle: { make: 'Skoda', model: 'Octavia', class: 'economy', plate: driver.plate },
        rating: { average: null, count: 0 },
        positionAtAcceptance: { lat: expect.closeTo(a.at(300).lat, 6), lon: expect.closeTo(a.at(300).lon, 6), at: expect.any(String) },
      });
      expect(accepted.driverId).toBe(card?.id);

      for (const who of [rider, driver.session]) {
        const detail = await call<Detail>(env.url, 'GET', `/api/v1/rides/${accepted.id}`, who);
        expect(detail.body.driver).toEqual(card);
        const list = await call<{ items: Detail[] }>(env.url, 'GET', '/api/v1/rides', who);
        expect(list.body.items.find((r) => r.id === accepted.id)?.driver).toEqual(card);
      }

      // The id rides expose is the one the drivers service takes; the licence stays private.
      const profile = await call<Record<string, unknown>>(env.url, 'GET', `/api/v1/drivers/${accepted.driverId}`, rider);
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ id: driver.id, firstName: 'Grace' });
      expect(JSON.stringify(profile.body)).not.toContain('LIC-12345');

      const acceptedEvent = await eventOf(env.events, 'microride.ride.accepted', accepted.id);
      expect(acceptedEvent.data.driver).toEqual(card);
      await step(env.url, driver, accepted.id, 'arrived');
      await startWithCode(env.url, rider, driver, accepted.id);
      await step(env.url, driver, accepted.id, 'complete');
      for (const type of ['driver_arrived', 'started', 'completed']) {
        expect((await eventOf(env.events, `microride.ride.${type}`, accepted.id)).data.driver, type).toEqual(card);
      }
      // What the notifier pushes to the driver carries it too.
      const pushed = await waitForMessage(driverSocket, 'microride.ride.completed', accepted.id);
      expect(pushed.data.driver).toEqual(card);
      expect(driverSocket.messages.find((m) => m.type === 'microride.ride.accepted' && m.rideId === accepted.id)?.data.driver).toEqual(card);
    } finally {
      driverSocket.close();
    }
  });

  it('shows the rating the driver has when they accept: a rating of one ride is on the next ride’s card', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await grace(a.at(300));
    const first = (await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000))) as Detail;
    expect(first.driver?.rating).toEqual({ average: null, count: 0 });
    await step(env.url, driver, first.id, 'arrived');
    await startWithCode(env.url, rider, driver, first.id);
    await step(env.url, driver, first.id, 'complete');
    expect((await call(env.url, 'POST', `/api/v1/rides/${first.id}/rating`, rider, { stars: 4 })).status).toBe(200);
    await eventually(async () => {
      const p = await call<{ rating: { count: number } }>(env.url, 'GET', `/api/v1/drivers/${driver.id}`, rider);
      return p.body.rating.count === 1 ? true : undefined;
    }, 10_000, 'the rating counted by drivers');
    // The card is read from the live index, which drivers updates with the rating.
    const second = (await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_500))) as Detail;
    expect(second.driver).toMatchObject({ id: driver.id, rating: { average: 4, count: 1 } });
  });
});

async function waitForMessage(c: Client, type: string, rideId: string) {
  return eventually(async () => c.messages.find((m) => m.type === type && m.rideId === rideId), 10_000, `${type} pushed`);
}

describe('the pickup code', () => {
  it('is the rider’s alone: never in what the driver gets (answers, detail, list, pushed events), and starts the trip', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const driverSocket = await connect(wsUrl(), driver.session.accessToken);
    const riderSocket = await connect(wsUrl(), rider.accessToken);
    try {
      const driverSaw: string[] = [];
      const accepted = await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000));
      driverSaw.push(JSON.stringify(accepted));
      const code = await pickupCodeOf(env.url, rider, accepted.id);

      driverSaw.push(JSON.stringify((await call(env.url, 'GET', `/api/v1/rides/${accepted.id}`, driver.session)).body));
      driverSaw.push(JSON.stringify((await call(env.url, 'GET', '/api/v1/rides', driver.session)).body));
      driverSaw.push(JSON.stringify(await step(env.url, driver, accepted.id, 'arrived')));

      // Wrong, then missing: 422 naming the field; the ride stays arrived.
      const wrong = await call<{ errors: { path: string }[] }>(env.url, 'POST', `/api/v1/rides/${accepted.id}/start`, driver.session, { pickupCode: otherCode(code) });
      expect(wrong.status).toBe(422);
      expect(wrong.body.errors.map((e) => e.path)).toEqual(['pickupCode']);
      driverSaw.push(JSON.stringify(wrong.body));
      const missing = await call<{ errors: { path: string }[] }>(env.url, 'POST', `/api/v1/rides/${accepted.id}/start`, driver.session, {});
      expect(missing.status).toBe(422);
      expect(missing.body.errors.map((e) => e.path)).toEqual(['pickupCode']);
      driverSaw.push(JSON.stringify(missing.body));

      const started = await step(env.url, driver, accepted.id, 'start', { pickupCode: code });
      expect(started.status).toBe('in_progress');
      driverSaw.push(JSON.stringify(started));
      driverSaw.push(JSON.stringify(await step(env.url, driver, accepted.id, 'complete')));
      driverSaw.push(JSON.stringify((await call(env.url, 'GET', `/api/v1/rides/${accepted.id}`, driver.session)).body));

      // The driver's socket got the whole ride (completed is the last push), and no code in it.
      await waitForMessage(driverSocket, 'microride.ride.completed', accepted.id);
      const pushed = driverSocket.messages.filter((m) => m.rideId === accepted.id);
      expect(pushed.map((m) => m.type)).toEqual(expect.arrayContaining(['microride.ride.accepted', 'microride.ride.driver_arrived', 'microride.ride.started']));
      driverSaw.push(JSON.stringify(pushed));
      // Nor in any event of the ride on the broker (events reach both parties).
      driverSaw.push(JSON.stringify(env.events.of(accepted.id)));

      for (const text of driverSaw) expect(leaks(text, code), text).toBe(false);
      // The rider's own push of the same ride exists (the check above is not vacuous) and the rider still sees the code.
      await waitForMessage(riderSocket, 'microride.ride.completed', accepted.id);
      expect((await call<Detail>(env.url, 'GET', `/api/v1/rides/${accepted.id}`, rider)).body.pickupCode).toBe(code);
    } finally {
      driverSocket.close();
      riderSocket.close();
    }
  });

  it('locks the start for 60 s after 5 wrong codes (429, Retry-After), even for the right one', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000));
    const code = await pickupCodeOf(env.url, rider, ride.id);
    await step(env.url, driver, ride.id, 'arrived');
    const start = (pickupCode: string) => fetch(`${env.url}/api/v1/rides/${ride.id}/start`, {
      method: 'POST',
      headers: { ...driver.session.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ pickupCode }),
    });
    for (let i = 0; i < 5; i++) expect((await start(otherCode(code))).status, `wrong code ${i + 1}`).toBe(422);
    const locked = await start(code);
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await locked.json()).toMatchObject({ status: 429, limit: 'PICKUP_CODE_MAX_FAILURES' });
    expect((await call(env.url, 'GET', `/api/v1/rides/${ride.id}`, rider)).body.status).toBe('arrived');
  });
});

/** A 4-digit code that is not `code`. */
const otherCode = (code: string) => String((Number(code) + 1) % 10_000).padStart(4, '0');

describe('share my trip', () => {
  const share = (rider: Session, rideId: string) => call<{ token: string; url: string; expiresAt: string }>(env.url, 'POST', `/api/v1/rides/${rideId}/share`, rider);
  const view = (token: string, headers: Record<string, string> = {}) =>
    call<{ status: string; driver: Record<string, unknown> | null; live: Record<string, unknown> | null }>(env.url, 'GET', `/api/v1/shared/${token}`, undefined, undefined, headers);

  it('works without an account: status, the driver without the plate, the live position; dies when revoked', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await grace(a.at(250));
    const ride = await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000));

    const link = await share(rider, ride.id);
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    expect(link.body.token.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    expect(link.body.url).toBe(`${env.url}/api/v1/shared/${link.body.token}`);
    expect(Date.parse(link.body.expiresAt)).toBeGreaterThan(Date.now());

    const first = await view(link.body.token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      status: 'accepted',
      driver: { firstName: 'Grace', vehicle: { make: 'Skoda', model: 'Octavia', class: 'economy' }, rating: { average: null, count: 0 } },
      live: null,
    });
    expect(JSON.stringify(first.body)).not.toContain(driver.plate);

    // Tracking keeps the ride's latest position under liveKey; the shared view reads it.
    const position: LivePosition = {
      rideId: ride.id, lat: a.at(100).lat, lon: a.at(100).lon, heading: 180, speedKmh: 25, towards: 'pickup', etaSeconds: 42, distanceMeters: 100, at: new Date().toISOString(),
    };
    await redis().set(rkey(...liveKey(ride.id)), JSON.stringify(position), 'EX', 60);
    const { rideId: _rideId, ...shown } = position;
    expect((await view(link.body.token)).body.live).toEqual(shown);

    // Another link to the same ride is independent; revoking one kills only it.
    const second = await share(rider, ride.id);
    expect((await call(env.url, 'DELETE', `/api/v1/rides/${ride.id}/share/${link.body.token}`, rider)).status).toBe(204);
    const revoked = await view(link.body.token);
    expect(revoked.status).toBe(410);
    expect(revoked.body).toMatchObject({ status: 410 });
    expect((await view(second.body.token)).status).toBe(200);
  });

  it('only the ride’s rider shares it, and a token opens nothing but its own ride’s view', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000));
    const stranger = await newRider(env.url);
    expect((await share(driver.session, ride.id)).status).toBe(403);
    expect((await share(stranger, ride.id)).status).toBe(404);

    const { token } = (await share(rider, ride.id)).body;
    // Not a credential anywhere else: as a bearer token it is refused.
    const bearer = { authorization: `Bearer ${token}` };
    for (const path of [`/api/v1/rides/${ride.id}`, '/api/v1/rides', '/api/v1/users/me', `/api/v1/drivers/${driver.id}`, `/api/v1/rides/${ride.id}/track`]) {
      expect((await call(env.url, 'GET', path, undefined, undefined, bearer)).status, path).toBe(401);
    }
    await expect(connect(wsUrl(), token)).rejects.toThrow();

    // Another ride's path does not take it either (revoking is by ride and rider), and unknown tokens are 404.
    const otherRider = await newRider(env.url);
    const otherDriver = await newDriver(env.url, a.at(-400));
    const other = await acceptedRide(env.url, env.events, otherRider, otherDriver, a.at(-500), a.at(-2_500));
    expect((await call(env.url, 'DELETE', `/api/v1/rides/${other.id}/share/${token}`, otherRider)).status).toBe(404);
    expect((await call(env.url, 'DELETE', `/api/v1/rides/${ride.id}/share/${token}`, stranger)).status).toBe(404);
    expect((await view(token)).body.status).toBe('accepted');
    expect((await view(`${token.slice(0, -2)}xx`)).status).toBe(404);
  });

  it('stops SHARE_AFTER_END_SECONDS after the ride ends, and cannot be made for an ended ride', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(200));
    const ride = await acceptedRide(env.url, env.events, rider, driver, a.at(0), a.at(2_000));
    const { token } = (await share(rider, ride.id)).body;
    await moveTo(env.url, driver.session, a.at(0));
    await step(env.url, driver, ride.id, 'arrived');
    await startWithCode(env.url, rider, driver, ride.id);
    await step(env.url, driver, ride.id, 'complete');
    const endedAt = Date.now();
    const after = await view(token);
    // Right after the end it still shows the ride, ended.
    if (Date.now() - endedAt < SHARE_AFTER_END_SECONDS * 1000) expect([after.status, after.body.status]).toEqual([200, 'completed']);
    const dead = await eventually(async () => ((await view(token)).status === 410 ? true : undefined), 15_000, 'link gone');
    expect(dead).toBe(true);
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(SHARE_AFTER_END_SECONDS * 1000 - 1_000);
    expect((await share(rider, ride.id)).status).toBe(409);
  });

  it('limits reads of shared trips per client address (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < SHARED_RATE_LIMIT + 1 && !retryAfter; i++) {
      const res = await fetch(`${env.url}/api/v1/shared/${'x'.repeat(43)}`, { headers: { 'x-forwarded-for': '203.0.113.77' } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, SHARED_RATE_LIMIT)).toEqual(Array(SHARED_RATE_LIMIT).fill(404));
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

describe('the API document', () => {
  it('describes the card, the start’s pickup code and the share endpoints', async () => {
    const doc = (await (await fetch(`${env.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/shared/{token}', '/api/v1/rides/{id}/share', '/api/v1/rides/{id}/share/{token}']));
    expect(doc.paths['/api/v1/rides/{id}/share/{token}']).toHaveProperty('delete');
    expect(Object.keys(doc.components.schemas.Ride?.properties ?? {})).toEqual(expect.arrayContaining(['driver', 'pickupCode']));
    expect(Object.keys(doc.components.schemas.StartRideRequest?.properties ?? {})).toEqual(['pickupCode']);
    expect(Object.keys(doc.components.schemas.SharedTrip?.properties ?? {}).sort()).toEqual(['driver', 'live', 'status']);
  });
});
