import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './availability.js';
import { recordedEnqueue, recordedTransaction, TRX } from '../test-support.js';
import type { DriverRow } from './store.js';
import { driverRow } from './test-support.js';

/** A driver whose status changed three times before. */
const row = (over: Partial<DriverRow> = {}): DriverRow => driverRow({ status_version: '3', ...over });

/** One driver's row; `steps` records what happened in order, commits included. */
function fakeStores(driver: DriverRow | undefined) {
  const steps: string[] = [];
  const events: Parameters<Stores['enqueueEvent']>[2][] = [];
  const synced: DriverRow[] = [];
  const stores: Stores = {
    transaction: recordedTransaction(steps),
    async lockByUser(trx, userId) {
      expect(trx).toBe(TRX);
      steps.push(`lock ${userId}`);
      return driver && driver.user_id === userId ? driver : undefined;
    },
    async setStatus(trx, id, status) {
      expect(trx).toBe(TRX);
      steps.push(`set ${status}`);
      if (!driver || driver.id !== id) return undefined;
      return { ...driver, status, status_version: String(Number(driver.status_version) + 1), updated_at: new Date('2026-01-02T04:00:00.000Z') };
    },
    enqueueEvent: recordedEnqueue('drivers-availability', steps, events),
    async syncLiveStatus(r) {
      steps.push(`sync ${r.status}@${r.status_version}`);
      synced.push(r);
    },
  };
  return { stores, steps, events, synced };
}

describe('drivers-availability handle', () => {
  it('goes online under the row lock, emits availability_changed, then mirrors the committed row to the live index', async () => {
    const d = row();
    const { stores, steps, events } = fakeStores(d);
    const out = await handle({ userId: d.user_id, status: 'online' }, stores);
    expect(steps).toEqual(['begin', `lock ${d.user_id}`, 'set online', 'event microride.driver.availability_changed', 'commit', 'sync online@4']);
    expect(events).toEqual([
      { type: 'microride.driver.availability_changed', subject: d.user_id, data: { driverId: d.user_id, userId: d.user_id, status: 'online', vehicleClass: 'comfort' } },
    ]);
    expect(out).toMatchObject({ id: d.user_id, status: 'online', licenseNumber: 'LIC-OWN-1', updatedAt: '2026-01-02T04:00:00.000Z' });
  });

  it('changes nothing and emits nothing when already in that status, but still repairs the live index', async () => {
    const d = row({ status: 'online' });
    const { stores, steps, events, synced } = fakeStores(d);
    const out = await handle({ userId: d.user_id, status: 'online' }, stores);
    expect(steps).toEqual(['begin', `lock ${d.user_id}`, 'commit', 'sync online@3']);
    expect(events).toEqual([]);
    expect(synced).toEqual([d]);
    expect(out.status).toBe('online');
  });

  it('is a 409 with the current status while on a trip, and writes nothing', async () => {
    const d = row({ status: 'on_trip', current_ride_id: randomUUID() });
    const { stores, steps, events, synced } = fakeStores(d);
    const err = await handle({ userId: d.user_id, status: 'offline' }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(409);
    expect((err as HttpProblem).detail).toBe('you are on a trip; availability changes when it ends');
    expect((err as HttpProblem).extra.currentStatus).toBe('on_trip');
    expect(steps).toEqual(['begin', `lock ${d.user_id}`, 'rollback']);
    expect(events).toEqual([]);
    expect(synced).toEqual([]);
  });

  it('is a 404 that says how to create a profile when the caller has none', async () => {
    const { stores, events, synced } = fakeStores(undefined);
    const err = await handle({ userId: randomUUID(), status: 'online' }, stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(404);
    expect((err as HttpProblem).detail).toBe('you have no driver profile yet; create it with POST /api/v1/drivers');
    expect(events).toEqual([]);
    expect(synced).toEqual([]);
  });
});
