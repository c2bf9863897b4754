import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './share.js';
import { tokenHash, type ShareRow } from './shares.js';
import { problemOf } from '../test-support.js';
import { asDriver, asRider, rideIn } from './test-support.js';
import type { RideRow } from './store.js';

function stores(ride?: RideRow) {
  const written: Pick<ShareRow, 'token_hash' | 'ride_id' | 'rider_id' | 'expires_at'>[] = [];
  const s: Stores = { findRide: async () => ride, insertShare: async (x) => void written.push(x) };
  return { s, written };
}

describe('rides-share handle', () => {
  it('gives the rider an unguessable token, stores only its hash, and a link to the shared view', async () => {
    const ride = rideIn('accepted');
    const { s, written } = stores(ride);
    const now = new Date('2026-12-03T12:00:00.000Z');
    const out = await handle({ id: ride.id, origin: 'http://localhost:8080' }, asRider, s, now);
    // 32 random bytes, base64url: 43 characters, 256 bits.
    expect(out.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out.url).toBe(`http://localhost:8080/api/v1/shared/${out.token}`);
    expect(out.expiresAt).toBe('2026-12-04T00:00:00.000Z');
    expect(written).toEqual([{ token_hash: tokenHash(out.token), ride_id: ride.id, rider_id: ride.rider_id, expires_at: new Date(out.expiresAt) }]);
    expect(JSON.stringify(written)).not.toContain(out.token);
    const again = await handle({ id: ride.id, origin: 'http://localhost:8080' }, asRider, s, now);
    expect(again.token).not.toBe(out.token);
  });

  it('is 404 for anyone but the ride’s rider, the driver included', async () => {
    const ride = rideIn('in_progress');
    expect((await problemOf(handle({ id: ride.id, origin: 'http://x' }, asDriver, stores(ride).s))).status).toBe(404);
    expect((await problemOf(handle({ id: ride.id, origin: 'http://x' }, asRider, stores().s))).status).toBe(404);
  });

  it('is 409 for a ride that ended', async () => {
    for (const status of ['completed', 'cancelled', 'expired'] as const) {
      const p = await problemOf(handle({ id: rideIn(status).id, origin: 'http://x' }, asRider, stores(rideIn(status)).s));
      expect([p.status, p.extra.currentStatus], status).toEqual([409, status]);
    }
  });
});
