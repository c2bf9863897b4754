import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { useServices } from '../tracking/support.js';
import { post, registerAndLogin } from '../helpers/users.js';
import { verifyQuote } from '../../functions/analysis/quote-token.js';
import { finalFare, tariffs } from '../../functions/analysis/fares.js';
import { NO_DRIVER_ETA_SECONDS } from '../../functions/analysis/price-quote.js';
import { pickupEtaSeconds } from '../../functions/analysis/trip.js';
import { adjustOpenRequests, cellOf, recordPosition, setDriverStatus } from '../../functions/tracking/live-index.js';

const ctx = useServices();

interface QuoteBody {
  quoteId: string;
  riderId: string;
  fare: { amount: number; currency: string; breakdown: Record<string, number> };
  surgeMultiplier: number;
  distanceMeters: number;
  durationSeconds: number;
  pickupEtaSeconds: number;
  expiresAt: string;
}

/** Every test prices trips in its own market cell. */
let spot = 0;
const place = () => {
  spot += 1;
  return { lat: 40 + spot * 0.3, lon: -3 - spot * 0.3 };
};
const east = (p: { lat: number; lon: number }, meters: number) => ({ lat: p.lat, lon: p.lon + meters / (111_195 * Math.cos((p.lat * Math.PI) / 180)) });

describe('POST /api/v1/quotes', () => {
  it('prices a trip and returns a signed quote that rides can verify', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const pickup = place();
    const dropoff = east(pickup, 4_000);
    const res = await post(ctx.url, '/api/v1/quotes', { pickup, dropoff, vehicleClass: 'economy' }, rider.auth);
    expect(res.status, await res.clone().text()).toBe(200);
    const q = (await res.json()) as QuoteBody;
    expect(q.riderId).toBe(rider.user.id);
    expect(q.distanceMeters).toBeGreaterThan(5_150);
    expect(q.distanceMeters).toBeLessThan(5_250);
    expect(q.surgeMultiplier).toBe(1);
    expect(q.pickupEtaSeconds).toBe(NO_DRIVER_ETA_SECONDS);
    expect(q.fare).toEqual(finalFare(tariffs.economy, 1, q.distanceMeters, q.durationSeconds));
    expect(Date.parse(q.expiresAt) - Date.now()).toBeGreaterThan(290_000);
    expect(Date.parse(q.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const { quoteId, ...body } = q;
    expect(await verifyQuote(quoteId)).toEqual(body);

    // Same inputs, same market: same price.
    const again = (await (await post(ctx.url, '/api/v1/quotes', { pickup, dropoff, vehicleClass: 'economy' }, rider.auth)).json()) as QuoteBody;
    expect(again.fare).toEqual(q.fare);
    expect(again.surgeMultiplier).toBe(q.surgeMultiplier);
  });

  it('raises the price with demand over supply in the pickup cell, within 3.0', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const pickup = place();
    const dropoff = east(pickup, 3_000);
    for (let i = 0; i < 4; i++) await adjustOpenRequests(cellOf(pickup.lat, pickup.lon), 'comfort', 1);
    const res = await post(ctx.url, '/api/v1/quotes', { pickup, dropoff, vehicleClass: 'comfort' }, rider.auth);
    const q = (await res.json()) as QuoteBody;
    // 4 open requests, no driver: 1 + 0.5·(4 − 1) = 2.5
    expect(q.surgeMultiplier).toBe(2.5);
    expect(q.fare.breakdown.surgeExtra).toBeGreaterThan(0);
    expect(q.fare).toEqual(finalFare(tariffs.comfort, 2.5, q.distanceMeters, q.durationSeconds));
    for (let i = 0; i < 40; i++) await adjustOpenRequests(cellOf(pickup.lat, pickup.lon), 'xl', 1);
    const xl = (await (await post(ctx.url, '/api/v1/quotes', { pickup, dropoff, vehicleClass: 'xl' }, rider.auth)).json()) as QuoteBody;
    expect(xl.surgeMultiplier).toBe(3);
  });

  it('estimates the pickup ETA from the nearest available driver', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const pickup = place();
    const driverId = randomUUID();
    await setDriverStatus({ driverId, driverProfileId: randomUUID(), vehicleClass: 'xl', status: 'online' });
    await recordPosition(driverId, { ...east(pickup, 1_000), at: Date.now() });
    const q = (await (await post(ctx.url, '/api/v1/quotes', { pickup, dropoff: east(pickup, 8_000), vehicleClass: 'xl' }, rider.auth)).json()) as QuoteBody;
    const expected = pickupEtaSeconds(1_000);
    expect(Math.abs(q.pickupEtaSeconds - expected)).toBeLessThanOrEqual(2);
  });

  it('validates coordinates with field paths', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const res = await post(ctx.url, '/api/v1/quotes', { pickup: { lat: 91, lon: 13 }, dropoff: { lat: 52, lon: -180.5 }, vehicleClass: 'economy' }, rider.auth);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = ((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['dropoff.lon', 'pickup.lat']);
    const bad = await post(ctx.url, '/api/v1/quotes', { pickup: { lat: 'x', lon: 13 }, dropoff: { lat: 52 }, vehicleClass: 'limo' }, rider.auth);
    expect(bad.status).toBe(422);
    const badPaths = ((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(badPaths).toEqual(['dropoff.lon', 'pickup.lat', 'vehicleClass']);
  });

  it('refuses pickup = dropoff and trips beyond 300 km', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const pickup = place();
    for (const dropoff of [pickup, east(pickup, 20), east(pickup, 301_000)]) {
      const res = await post(ctx.url, '/api/v1/quotes', { pickup, dropoff, vehicleClass: 'economy' }, rider.auth);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errors: [{ path: 'dropoff', message: expect.any(String) }] });
    }
  });

  it('is for riders only', async () => {
    const driver = await registerAndLogin(ctx.url, 'driver');
    const pickup = place();
    const body = { pickup, dropoff: east(pickup, 1_000), vehicleClass: 'economy' };
    expect((await post(ctx.url, '/api/v1/quotes', body, driver.auth)).status).toBe(403);
    expect((await post(ctx.url, '/api/v1/quotes', body)).status).toBe(401);
  });
});
