import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle } from './me.js';
import { driverRow } from './test-support.js';

describe('drivers-me handle', () => {
  it("looks the profile up by the caller's account id and shows them their licence", async () => {
    const r = driverRow({ updated_at: new Date('2026-01-02T03:04:06.000Z'), cancellation_count: 2 });
    const asked: string[] = [];
    const out = await handle({ userId: r.user_id }, { findByUser: async (userId) => (asked.push(userId), userId === r.user_id ? r : undefined) });
    expect(asked).toEqual([r.user_id]);
    expect(out).toEqual({
      id: r.user_id,
      name: 'Grace',
      firstName: 'Grace',
      vehicle: { make: 'Toyota', model: 'Prius', plate: 'AB123', class: 'comfort', seats: 4 },
      status: 'offline',
      rating: { average: null, count: 0 },
      licenseNumber: 'LIC-OWN-1',
      cancellations: { beforePickup: 2 },
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:06.000Z',
    });
  });

  it('is a 404 problem that says how to create a profile when there is none', async () => {
    const err = await handle({ userId: randomUUID() }, { findByUser: async () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(404);
    expect((err as HttpProblem).detail).toBe('you have no driver profile yet; create it with POST /api/v1/drivers');
  });
});
