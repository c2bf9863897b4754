/**
 * Where an accept's driver card comes from (functions/rides/driver-card.ts), against the
 * real Redis: the live index's card profile, with no call to drivers; the call only when
 * the index holds none, and a 503 when that call cannot be made.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { driverCardOf } from '../../functions/rides/driver-card.js';
import { recordPosition, setDriverStatus } from '../../functions/tracking/live-index.js';
import { closeClients } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { HttpProblem } from '../../platform/problem.js';
import { logger } from '../../platform/logger.js';
import { cleanupStores } from '../helpers/platform.js';
import { freePort } from '../helpers/free-port.js';

const log = logger();
const card = { firstName: 'Lin', vehicle: { make: 'Skoda', model: 'Enyaq', class: 'comfort' as const, plate: 'B-LN 7' }, rating: { average: 4.8, count: 12 } };

beforeAll(async () => {
  // Nothing listens there: any call to drivers would fail.
  provideSettings({ DRIVERS_URL: `http://127.0.0.1:${await freePort()}`, DRIVERS_TIMEOUT_MS: '200' });
});

afterAll(async () => {
  provideSettings({ DRIVERS_URL: undefined, DRIVERS_TIMEOUT_MS: undefined });
  await cleanupStores();
  await closeClients();
});

describe('the driver card at acceptance', () => {
  it('comes from the live index with the last position, without calling drivers', async () => {
    const driverId = randomUUID();
    await setDriverStatus({ driverId, driverProfileId: randomUUID(), vehicleClass: 'comfort', status: 'online', card });
    const at = Date.now();
    await recordPosition(driverId, { lat: 52.5, lon: 13.4, at });
    expect(await driverCardOf(driverId, 'Bearer x', log)).toEqual({
      id: driverId, ...card, positionAtAcceptance: { lat: 52.5, lon: 13.4, at: new Date(at).toISOString() },
    });
  });

  it('falls back to the drivers service when the index holds no card, and is refused with 503 when it cannot answer', async () => {
    const driverId = randomUUID();
    await setDriverStatus({ driverId, driverProfileId: randomUUID(), vehicleClass: 'comfort', status: 'online' });
    const refused = await driverCardOf(driverId, 'Bearer x', log).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpProblem);
    expect((refused as HttpProblem).status).toBe(503);
  });

  it('asks the drivers service for a driver the index does not know', async () => {
    // A drivers service that answers, recording what it was asked.
    const driverId = randomUUID();
    const body = JSON.stringify({ id: driverId, ...card, vehicle: { ...card.vehicle, seats: 4 }, name: 'Lin Wu', status: 'online' });
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    provideSettings({ DRIVERS_URL: `http://127.0.0.1:${port}` });
    try {
      expect(await driverCardOf(driverId, 'Bearer x', log)).toEqual({ id: driverId, ...card, positionAtAcceptance: null });
      expect(seen).toEqual([`GET /api/v1/drivers/${driverId} Bearer x`]);
    } finally {
      server.close();
    }
  });
});
