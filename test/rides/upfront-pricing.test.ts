/**
 * Upfront pricing through the real platform (gateway, rides, the broker, payments,
 * PostgreSQL): the rider pays the quote unless the trip really differed, and a distance
 * inflated far beyond the quote is charged at most FARE_CAP_MULTIPLIER × the quote, with the
 * reason on the ride and on the receipt. Tracking is replaced by a stub answering the
 * measurement each test decides (the real one filters GPS jumps at ~150 km/h, so a test
 * cannot drive 20 km; what it reports is the input under test).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { rideSettings } from '../../functions/rides/settings.js';
import { useRidesPlatform } from './harness.js';
import { call, eventOf, newArea, newDriver, newRider, rideIn, step, type RideView } from './client.js';

const env = useRidesPlatform();

const measured = new Map<string, { distanceMeters: number; durationSeconds: number }>();
let tracking: http.Server;

beforeAll(async () => {
  tracking = http.createServer((req, res) => {
    const id = /^\/api\/v1\/rides\/([^/]+)\/distance/.exec(req.url ?? '')?.[1];
    const m = id ? measured.get(decodeURIComponent(id)) : undefined;
    if (!m) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...m, samples: 40, basis: 'measured' }));
  });
  await new Promise<void>((r) => tracking.listen(0, '127.0.0.1', () => r()));
  // After the platform set the real tracking's URL: an explicit setting wins.
  provideSettings({ TRACKING_URL: `http://127.0.0.1:${(tracking.address() as AddressInfo).port}` });
  rideSettings.reset();
});

afterAll(async () => {
  provideSettings({ TRACKING_URL: undefined });
  rideSettings.reset();
  tracking.closeAllConnections();
  await new Promise((r) => tracking.close(r));
});

type Completed = RideView & { quote: { fare: { amount: number }; distanceMeters: number; durationSeconds: number }; fare: RideView['fare'] & { reason: string | null } };
interface Receipt {
  total: number;
  fareBasis: string | null;
  fareReason: string | null;
}

/** A 3 km quote (above the class minimum, so the cap shows), driven to in_progress, completed with `trip(quote)` measured. */
async function completeWith(trip: (q: { distanceMeters: number; durationSeconds: number }) => { distanceMeters: number; durationSeconds: number }) {
  const { url, events } = env;
  const area = newArea();
  const rider = await newRider(url);
  const driver = await newDriver(url, area.at(200));
  const ride = (await rideIn(url, events, rider, driver, 'in_progress', area.at(0), area.at(3_000))) as Completed;
  measured.set(ride.id, trip(ride.quote));
  const done = (await step(url, driver, ride.id, 'complete')) as Completed;
  await events.waitFor((e) => e.type === 'microride.payment.succeeded' && e.data.rideId === ride.id, 15_000, 'fare charged');
  const receipt = await call<Receipt>(url, 'GET', `/api/v1/rides/${ride.id}/receipt`, rider);
  expect(receipt.status, JSON.stringify(receipt.body)).toBe(200);
  const event = await eventOf(events, 'microride.ride.completed', ride.id);
  return { quoted: ride.quote.fare.amount, done, receipt: receipt.body, event };
}

describe('upfront pricing', () => {
  it('a reported distance 5× the quote is charged 1.5× the quote, the reason on the ride and the receipt', async () => {
    const { quoted, done, receipt, event } = await completeWith((q) => ({ distanceMeters: q.distanceMeters * 5, durationSeconds: q.durationSeconds }));
    const capped = Math.round(quoted * 1.5);
    const reason = 'distance 400 % over the quote; capped at 1.5 × the quote';
    expect(done.fare).toEqual({ amount: capped, currency: 'EUR', final: true, basis: 'measured', reason });
    expect(event.data).toMatchObject({ fare: { amount: capped }, basis: 'measured', reason });
    expect(receipt).toMatchObject({ total: capped, fareBasis: 'measured', fareReason: reason });
  });

  it('a trip within the threshold pays exactly the quote', async () => {
    const { quoted, done, receipt } = await completeWith((q) => ({
      distanceMeters: Math.round(q.distanceMeters * 1.2),
      durationSeconds: Math.round(q.durationSeconds * 0.85),
    }));
    const reason = 'distance and duration within 25 % of the quote';
    expect(done.fare).toEqual({ amount: quoted, currency: 'EUR', final: true, basis: 'quoted', reason });
    expect(receipt).toMatchObject({ total: quoted, fareBasis: 'quoted', fareReason: reason });
  });
});
