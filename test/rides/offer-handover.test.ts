/**
 * Matching hands each offer round straight to rides-offers (no Trigger) and waits for it.
 * When rides cannot take it, matching's own delivery fails, the broker redelivers
 * ride.requested, and the redelivery hands over the round it already decided: the driver
 * is offered the ride once, by the same round, and nothing is lost.
 *
 * Between the two sits a real HTTP proxy that refuses the first handover of each ride
 * with a 503 (rides down for a moment) and forwards everything else to the platform.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { useRidesPlatform } from './harness.js';
import { call, newArea, newDriver, newRider, offered, requestRide, sleep } from './client.js';

interface Handover {
  rideId: string;
  status: number;
}
const handovers: Handover[] = [];
let forwardTo = '';

const proxy = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const rideId = String(req.headers['ce-subject'] ?? '');
    if (!handovers.some((h) => h.rideId === rideId)) {
      handovers.push({ rideId, status: 503 });
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"status":503,"title":"Service Unavailable"}');
      return;
    }
    const forward = http.request(forwardTo, { method: 'POST', headers: req.headers }, (answer) => {
      handovers.push({ rideId, status: answer.statusCode ?? 0 });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    forward.end(Buffer.concat(chunks));
  });
});
await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

// An explicit RIDES_OFFERS_URL wins over the platform's own (local/call-urls.ts).
const env = useRidesPlatform({ RIDES_OFFERS_URL: proxyUrl });

describe('matching hands its offer round to rides directly', () => {
  it('rides refusing the first handover: the redelivery hands over the same round, the driver is offered once', async () => {
    forwardTo = `${env.platform.internalUrl}/_fn/rides-offers`;
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(150));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));

    const offer = await offered(env.events, ride.id, driver.id);
    expect(offer.data.round).toBe(1);
    const mine = handovers.filter((h) => h.rideId === ride.id);
    expect(mine[0]).toEqual({ rideId: ride.id, status: 503 });
    expect(mine.slice(1).some((h) => h.status === 202)).toBe(true);

    await sleep(500);
    expect(env.events.of(ride.id).filter((e) => e.type === 'microride.ride.offered')).toHaveLength(1);
    // The round rides recorded is the one the driver was told about: the accept goes through.
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, driver.session)).status).toBe(200);
  });

  it('a ride cancelled before rides took its round: the redelivery hands over nothing', async () => {
    forwardTo = `${env.platform.internalUrl}/_fn/rides-offers`;
    const a = newArea();
    const rider = await newRider(env.url);
    await newDriver(env.url, a.at(150));
    // Hold the handover: the first one is refused, and the cancel lands before the retry.
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
    await sleep(2_000);
    expect(env.events.of(ride.id).filter((e) => e.type === 'microride.ride.offered')).toHaveLength(0);
    const view = await call<{ status: string }>(env.url, 'GET', `/api/v1/rides/${ride.id}`, rider);
    expect(view.body.status).toBe('cancelled');
  });
});
