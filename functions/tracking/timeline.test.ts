import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './timeline.js';
import type { RideEvent } from './ride-log.js';
import type { RideStateUpdate } from './ride-state.js';
import type { TimelineDoc } from './store.js';

const rideId = randomUUID();
const riderId = randomUUID();
const driverId = randomUUID();
const AT = new Date();

/** Fake stores: MongoDB's timeline and Redis' live state remember what they were given; a position in the live index. */
function fakes(opts: { stored?: 'inserted' | 'duplicate'; live?: 'applied' | 'duplicate'; position?: { lat: number; lon: number; at: Date } } = {}) {
  const timeline: TimelineDoc[] = [];
  const state: RideStateUpdate[] = [];
  const looked: string[] = [];
  const packed: string[] = [];
  const stores: Stores = {
    insertTimelineDoc: async (doc) => {
      timeline.push(doc);
      return opts.stored ?? 'inserted';
    },
    applyToRideState: async (u) => {
      state.push(u);
      return opts.live ?? 'applied';
    },
    liveDriver: async (id) => {
      looked.push(id);
      return { position: opts.position ? { ...opts.position, heading: null, speedKmh: null } : null };
    },
    packTrace: async (id) => {
      packed.push(id);
      return 'inserted';
    },
  };
  return { stores, timeline, state, looked, packed };
}

const event = (type: string, data: Record<string, unknown>, time = AT): RideEvent => ({ id: randomUUID(), source: '/microride/rides-x', type, time: time.toISOString(), data });

describe('tracking-timeline handle', () => {
  it('records a request with its pickup as the place, and starts the live state', async () => {
    const f = fakes();
    const ev = event('microride.ride.requested', { rideId, riderId, pickup: { lat: 52.5, lon: 13.4 }, dropoff: { lat: 52.53, lon: 13.41 } });
    expect(await handle(ev, f.stores)).toBe('applied');

    expect(f.timeline).toEqual([{ _id: `/microride/rides-x ${ev.id}`, rideId, riderId, type: 'microride.ride.requested', rank: 10, at: AT, location: { lat: 52.5, lon: 13.4 } }]);
    expect(f.state).toEqual([
      {
        eventKey: `/microride/rides-x ${ev.id}`, rideId, riderId, driverId: undefined, rank: 10, at: AT, acceptedAt: undefined, startedAt: undefined, endedAt: undefined,
        pickup: { lat: 52.5, lon: 13.4 }, dropoff: { lat: 52.53, lon: 13.41 },
      },
    ]);
    expect(f.looked).toEqual([]);
  });

  it('places an acceptance where the live index saw the driver just before, and sets the acceptance time', async () => {
    const f = fakes({ position: { lat: 52.51, lon: 13.41, at: new Date(AT.getTime() - 5_000) } });
    await handle(event('microride.ride.accepted', { rideId, riderId, driverId }), f.stores);

    expect(f.looked).toEqual([driverId]);
    expect(f.timeline[0]).toMatchObject({ driverId, rank: 30, location: { lat: 52.51, lon: 13.41 } });
    expect(f.state[0]).toMatchObject({ driverId, rank: 30, acceptedAt: AT, startedAt: undefined, endedAt: undefined });
  });

  it('gives no place when the driver’s last position is too old or too new for the event', async () => {
    for (const offset of [-61_000, 11_000]) {
      const f = fakes({ position: { lat: 1, lon: 2, at: new Date(AT.getTime() + offset) } });
      await handle(event('microride.ride.started', { rideId, riderId, driverId }), f.stores);
      expect(f.timeline[0]).not.toHaveProperty('location');
      expect(f.state[0]?.startedAt).toEqual(AT);
    }
  });

  it('does not take the offered driver of a decline for the ride’s driver', async () => {
    const f = fakes({ position: { lat: 1, lon: 2, at: AT } });
    await handle(event('microride.ride.declined', { rideId, riderId, driverId }), f.stores);
    expect(f.timeline[0]).not.toHaveProperty('driverId');
    expect(f.state[0]?.driverId).toBeUndefined();
    expect(f.looked).toEqual([]);
  });

  it('ends the ride at a completion but not at the rating that follows it', async () => {
    const completed = fakes();
    await handle(event('microride.ride.completed', { rideId, riderId, driverId, fare: { amount: 1200, currency: 'EUR' } }), completed.stores);
    expect(completed.state[0]).toMatchObject({ rank: 90, endedAt: AT });
    expect(completed.packed).toEqual([rideId]);

    const rated = fakes();
    await handle(event('microride.ride.rated', { rideId, riderId, driverId, stars: 5 }), rated.stores);
    expect(rated.state[0]).toMatchObject({ rank: 90, endedAt: undefined });
    expect(rated.packed).toEqual([]);
  });

  it('packs the trace at every end, a redelivered one too (its packing may have failed), and at no other event', async () => {
    const again = fakes({ stored: 'duplicate', live: 'duplicate' });
    expect(await handle(event('microride.ride.cancelled', { rideId, riderId, driverId }), again.stores)).toBe('duplicate');
    expect(again.packed).toEqual([rideId]);

    const started = fakes();
    await handle(event('microride.ride.started', { rideId, riderId, driverId }), started.stores);
    expect(started.packed).toEqual([]);
  });

  it('ignores an event type it does not know, or one without a ride id, and writes nothing', async () => {
    const f = fakes();
    expect(await handle(event('microride.payment.succeeded', { rideId }), f.stores)).toBe('ignored');
    expect(await handle(event('microride.ride.accepted', { riderId, driverId }), f.stores)).toBe('ignored');
    expect(f.timeline).toEqual([]);
    expect(f.state).toEqual([]);
  });

  it('is a duplicate only when both stores had it; a half-applied event is finished', async () => {
    const both = fakes({ stored: 'duplicate', live: 'duplicate' });
    expect(await handle(event('microride.ride.started', { rideId, riderId, driverId }), both.stores)).toBe('duplicate');

    const half = fakes({ stored: 'duplicate', live: 'applied' });
    expect(await handle(event('microride.ride.started', { rideId, riderId, driverId }), half.stores)).toBe('applied');
    expect(half.state).toHaveLength(1);
  });

  it('archives an event older than the live state’s lifetime but leaves Redis alone', async () => {
    const f = fakes();
    const old = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    expect(await handle(event('microride.ride.completed', { rideId, riderId, driverId, fare: { amount: 1, currency: 'EUR' } }, old), f.stores)).toBe('applied');
    expect(f.timeline[0]?.at).toEqual(old);
    expect(f.state).toEqual([]);
  });

  it('stamps an event without a time with the time it was received', async () => {
    const f = fakes();
    const before = Date.now();
    await handle({ ...event('microride.ride.expired', { rideId, riderId }), time: undefined }, f.stores);
    expect(f.timeline[0]?.at.getTime()).toBeGreaterThanOrEqual(before);
    expect(f.state[0]).toMatchObject({ rank: 92 });
  });
});
