import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './shared.js';
import { tokenHash, type SharedRow } from './shares.js';
import { problemOf } from '../test-support.js';
import { card } from './test-support.js';
import type { LivePosition } from '../../contracts/live-position.js';

const now = new Date('2026-12-03T12:00:00.000Z');
const row = (over: Partial<SharedRow> = {}): SharedRow => ({
  ride_id: '44444444-4444-4444-8444-444444444444',
  expires_at: new Date('2026-12-04T00:00:00.000Z'),
  revoked_at: null,
  status: 'accepted',
  driver_card: card,
  completed_at: null,
  cancelled_at: null,
  expired_at: null,
  ...over,
});
const position: LivePosition = {
  rideId: '44444444-4444-4444-8444-444444444444',
  lat: 52.52, lon: 13.4, heading: 90, speedKmh: 30, towards: 'pickup', etaSeconds: 120, distanceMeters: 800, at: '2026-12-03T11:59:58.000Z',
};

function stores(found: SharedRow | undefined, live: LivePosition | null = position) {
  const hashes: string[] = [];
  const hits: string[] = [];
  const s: Stores = {
    findShared: async (h) => (hashes.push(h), found),
    livePosition: async () => live,
    hit: async (ip) => void hits.push(ip),
  };
  return { s, hashes, hits };
}

describe('rides-shared handle', () => {
  it('shows the status, the card without plate or ids, and the live position, looked up by the token’s hash', async () => {
    const { s, hashes, hits } = stores(row());
    const out = await handle({ token: 'tok', ip: '10.0.0.1' }, s, now);
    expect(out).toEqual({
      status: 'accepted',
      driver: { firstName: 'Grace', vehicle: { make: 'Toyota', model: 'Prius', class: 'economy' }, rating: { average: 4.5, count: 2 } },
      live: { lat: 52.52, lon: 13.4, heading: 90, speedKmh: 30, towards: 'pickup', etaSeconds: 120, distanceMeters: 800, at: '2026-12-03T11:59:58.000Z' },
    });
    expect(JSON.stringify(out)).not.toContain(card.vehicle.plate);
    expect(JSON.stringify(out)).not.toContain(card.id);
    expect([hashes, hits]).toEqual([[tokenHash('tok')], ['10.0.0.1']]);
  });

  it('has no driver and no position before a driver accepted, or none known', async () => {
    expect(await handle({ token: 't', ip: 'i' }, stores(row({ status: 'matching', driver_card: null })).s, now)).toEqual({ status: 'matching', driver: null, live: null });
    expect((await handle({ token: 't', ip: 'i' }, stores(row(), null).s, now)).live).toBeNull();
  });

  it('is 404 for an unknown token, 410 once revoked or expired', async () => {
    expect((await problemOf(handle({ token: 't', ip: 'i' }, stores(undefined).s, now))).status).toBe(404);
    expect((await problemOf(handle({ token: 't', ip: 'i' }, stores(row({ revoked_at: now })).s, now))).status).toBe(410);
    expect((await problemOf(handle({ token: 't', ip: 'i' }, stores(row({ expires_at: now })).s, now))).status).toBe(410);
  });

  it('works until SHARE_AFTER_END_SECONDS (900) after the ride ended, then is 410', async () => {
    const ended = row({ status: 'completed', completed_at: new Date(now.getTime() - 900_000) });
    expect(await handle({ token: 't', ip: 'i' }, stores(ended).s, now)).toMatchObject({ status: 'completed', live: null });
    const later = new Date(now.getTime() + 1_000);
    expect((await problemOf(handle({ token: 't', ip: 'i' }, stores(ended).s, later))).status).toBe(410);
  });

  it('counts every read against the rate limit first', async () => {
    const { s } = stores(row());
    s.hit = async () => {
      throw Object.assign(new Error('limited'), { status: 429 });
    };
    await expect(handle({ token: 't', ip: 'i' }, s, now)).rejects.toThrow('limited');
  });
});
