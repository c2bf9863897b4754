import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Registration, type Stores } from './register.js';
import { TRX } from '../test-support.js';
import type { DriverRow, NewDriverRow } from './store.js';
import { driverRow } from './test-support.js';

const pgUniqueViolation = (constraint: string) => Object.assign(new Error(`duplicate key value violates unique constraint "${constraint}"`), { code: '23505', constraint });

/** A drivers table that keeps what was committed (a new row is the profile as registered); a write whose transaction throws is dropped. */
function fakeStores(insert: (row: NewDriverRow) => DriverRow[] | Promise<DriverRow[]> = (r) => [driverRow(r)]) {
  const committed = { rows: [] as NewDriverRow[], events: [] as Parameters<Stores['enqueueEvent']>[2][] };
  let pending: typeof committed = { rows: [], events: [] };
  const stores: Stores = {
    async transaction(work) {
      pending = { rows: [], events: [] };
      const out = await work(TRX);
      committed.rows.push(...pending.rows);
      committed.events.push(...pending.events);
      return out;
    },
    async insertDriver(trx, row) {
      expect(trx).toBe(TRX);
      const rows = await insert(row);
      pending.rows.push(row);
      return rows;
    },
    async enqueueEvent(trx, spec, event) {
      expect(trx).toBe(TRX);
      expect(spec.name).toBe('drivers-register');
      pending.events.push(event);
    },
  };
  return { stores, committed };
}

const registration = (over: Partial<Registration> = {}): Registration => ({
  userId: randomUUID(),
  userName: 'Grace',
  licenseNumber: 'LIC-1234',
  vehicle: { make: 'Toyota', model: 'Prius', plate: 'ab-12 cd', class: 'xl', seats: 6 },
  ...over,
});

describe('drivers-register handle', () => {
  it('writes the profile with a normalised plate, offline, and its registered event in the same transaction', async () => {
    const { stores, committed } = fakeStores();
    const input = registration();
    const out = await handle(input, stores);

    expect(committed.rows).toEqual([
      {
        user_id: input.userId,
        display_name: 'Grace',
        license_number: 'LIC-1234',
        vehicle_make: 'Toyota',
        vehicle_model: 'Prius',
        vehicle_plate: 'AB12CD',
        vehicle_class: 'xl',
        vehicle_seats: 6,
      },
    ]);
    expect(committed.events).toEqual([
      { type: 'microride.driver.registered', subject: input.userId, data: { driverId: input.userId, userId: input.userId, vehicleClass: 'xl' } },
    ]);
    // The owner's view: the licence is theirs to see.
    expect(out).toMatchObject({ id: input.userId, name: 'Grace', firstName: 'Grace', licenseNumber: 'LIC-1234', status: 'offline', vehicle: { plate: 'AB12CD', class: 'xl', seats: 6 } });
  });

  it('names the driver "Driver" when the verifier had no cached profile', async () => {
    const { stores, committed } = fakeStores();
    const out = await handle(registration({ userName: undefined }), stores);
    expect(committed.rows[0]?.display_name).toBe('Driver');
    expect(out.name).toBe('Driver');
  });

  it('is a 409 on vehicle.plate when the plate belongs to another driver, and emits nothing', async () => {
    const { stores, committed } = fakeStores(() => Promise.reject(pgUniqueViolation('drivers_vehicle_plate_unique')));
    const err = await handle(registration(), stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('this plate is registered to another driver');
    expect((err as HttpProblem).extra.errors).toEqual([{ path: 'vehicle.plate', message: 'already registered' }]);
    expect(committed).toEqual({ rows: [], events: [] });
  });

  it('is a 409 pointing at GET /drivers/me when the caller already has a profile', async () => {
    const { stores, committed } = fakeStores(() => Promise.reject(pgUniqueViolation('drivers_user_id_unique')));
    const err = await handle(registration(), stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('you already have a driver profile; see GET /api/v1/drivers/me');
    expect((err as HttpProblem).extra.errors).toBeUndefined();
    expect(committed.events).toEqual([]);
  });

  it('lets any other database failure through untouched (a 503 or 500 for the app, not a 409)', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { stores } = fakeStores(() => Promise.reject(down));
    await expect(handle(registration(), stores)).rejects.toBe(down);
  });
});
