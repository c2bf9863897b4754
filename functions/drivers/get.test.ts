import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle } from './get.js';
import { driverRow } from './test-support.js';

describe('drivers-get handle', () => {
  it('returns the public view: vehicle and rating, never the licence', async () => {
    const r = driverRow({ license_number: 'LIC-SECRET-1', vehicle_plate: 'AB-123', vehicle_class: 'economy', status: 'online', rating_avg: '4.50', rating_count: 2 });
    const out = await handle({ id: r.user_id }, { findByUser: async (id) => (id === r.user_id ? r : undefined) });
    expect(out).toEqual({
      id: r.user_id,
      name: 'Grace',
      firstName: 'Grace',
      vehicle: { make: 'Toyota', model: 'Prius', plate: 'AB-123', class: 'economy', seats: 4 },
      status: 'online',
      rating: { average: 4.5, count: 2 },
    });
    expect(JSON.stringify(out)).not.toContain('LIC-SECRET-1');
  });

  it('shows an admin, and nobody else, how often the driver gave a ride back before pickup', async () => {
    const r = driverRow({ cancellation_count: 3 });
    const stores = { findByUser: async () => r };
    expect(await handle({ id: r.user_id }, stores, { role: 'admin' })).toMatchObject({ cancellations: { beforePickup: 3 } });
    for (const role of ['rider', 'driver']) expect(await handle({ id: r.user_id }, stores, { role }), role).not.toHaveProperty('cancellations');
  });

  it('takes the driver’s id as rides expose it (the account id), not the row id', async () => {
    const r = driverRow({ display_name: 'Grace Hopper' });
    const stores = { findByUser: async (id: string) => (id === r.user_id ? r : undefined) };
    expect(await handle({ id: r.user_id }, stores)).toMatchObject({ id: r.user_id, firstName: 'Grace' });
    expect((await handle({ id: r.id }, stores).catch((e: unknown) => e)) as HttpProblem).toMatchObject({ status: 404 });
  });

  it('is a 404 problem for an unknown id', async () => {
    const err = await handle({ id: randomUUID() }, { findByUser: async () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(404);
  });
});
