/**
 * Live driver positions through the notifier: published by tracking on the live channel
 * (functions/tracking/live-push.ts storeAndPush, the real publisher), written to every
 * socket of the rider and nobody else, never stored, so never replayed with `since`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LivePosition } from '../../contracts/live-position.js';
import { storeAndPush } from '../../functions/tracking/live-push.js';
import { liveSettings } from '../../functions/tracking/live-settings.js';
import { connect, postEvent, ride, signToken, useNotifier } from './helpers.js';

const ctx = useNotifier();

const position = (rideId: string, at = new Date()): LivePosition => ({
  rideId, lat: 52.51, lon: 13.4, heading: 90, speedKmh: 28, towards: 'pickup', etaSeconds: 160, distanceMeters: 1_234, at: at.toISOString(),
});

describe('live driver positions', () => {
  it('reach every socket of the ride’s rider, without an id, and nobody else', async () => {
    const rider = await signToken();
    const other = await signToken();
    const phone = await connect(ctx.n.wsUrl, rider.token);
    const tablet = await connect(ctx.n.wsUrl, rider.token);
    const bystander = await connect(ctx.n.wsUrl, other.token);
    try {
      const p = position(randomUUID());
      expect(await storeAndPush(rider.userId, p, liveSettings())).toBe('pushed');
      for (const c of [phone, tablet]) {
        const [m] = await c.waitFor(1);
        expect(m).toEqual({ type: 'ride.driver_location', rideId: p.rideId, data: p, at: p.at });
      }
      // Marker: the bystander's own event arrives, and it is the only thing they got.
      const ev = ride.expired({ riderId: other.userId });
      await postEvent(ctx.n.eventsUrl, ev);
      const got = await bystander.waitFor(1);
      expect(got.map((m) => m.type)).toEqual(['microride.ride.expired']);
    } finally {
      for (const c of [phone, tablet, bystander]) c.close();
    }
  });

  it('are not stored: a socket resuming with `since` gets the events after it, not the positions', async () => {
    const rider = await signToken();
    const first = await connect(ctx.n.wsUrl, rider.token);
    const ev1 = ride.expired({ riderId: rider.userId });
    await postEvent(ctx.n.eventsUrl, ev1);
    const [stored] = await first.waitFor(1);
    const p = position(randomUUID());
    await storeAndPush(rider.userId, p, liveSettings());
    await first.waitFor(2);
    expect(first.messages[1]).not.toHaveProperty('id');
    const ev2 = ride.expired({ riderId: rider.userId });
    await postEvent(ctx.n.eventsUrl, ev2);
    await first.waitFor(3);
    first.close();

    // Resuming after the first event replays the second event only.
    const again = await connect(ctx.n.wsUrl, rider.token, { since: stored!.id });
    try {
      const [m] = await again.waitFor(1);
      expect(m).toMatchObject({ type: 'microride.ride.expired', rideId: ev2.data.rideId });
      // Marker: a live position sent now arrives next, so nothing else was replayed in between.
      const q = position(randomUUID());
      await storeAndPush(rider.userId, q, liveSettings());
      const all = await again.waitFor(2);
      expect(all.map((x) => x.type)).toEqual(['microride.ride.expired', 'ride.driver_location']);
      expect(all[1]!.rideId).toBe(q.rideId);
    } finally {
      again.close();
    }
  });
});
