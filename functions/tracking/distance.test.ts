import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './distance.js';
import type { RideSummary } from './summary.js';
import type { LocationDoc, TimelineDoc } from './store.js';
import type { Sample } from './odometer.js';

const riderId = randomUUID();
const driverId = randomUUID();
const t = (s: number) => new Date(Date.UTC(2026, 2, 1, 8, 0, s));
/** ~111 m north per step of 0.001° latitude, 10 s apart: a plausible drive. */
const drive = (n: number, from = 20): Sample[] => Array.from({ length: n }, (_, i) => ({ at: t(from + i * 10), lat: 52.5 + i * 0.001, lon: 13.4 }));

/** Fakes that record which store was read: Redis (summary, trace) or MongoDB (timeline, samples). */
function fakes(opts: { live?: RideSummary | null; timeline?: TimelineDoc[]; trace?: Sample[]; samples?: LocationDoc[] }) {
  const reads: string[] = [];
  const asked: unknown[][] = [];
  const stores: Stores = {
    rideSummary: async () => {
      reads.push('redis:summary');
      return opts.live ?? null;
    },
    traceBetween: async (...args) => {
      reads.push('redis:trace');
      asked.push(args);
      return opts.trace ?? [];
    },
    timelineOf: async () => {
      reads.push('mongo:timeline');
      return opts.timeline ?? [];
    },
    traceOfRide: async (...args) => {
      reads.push('mongo:samples');
      asked.push(args);
      return opts.samples ?? [];
    },
  };
  return { stores, reads, asked };
}

const liveRide = (rideId: string, over: Partial<RideSummary> = {}): RideSummary => ({ rideId, riderId, driverId, rank: 90, acceptedAt: t(10), startedAt: t(20), endedAt: t(60), ...over });

describe('tracking-distance handle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('measures a live ride from its Redis trace between start and end, without touching MongoDB', async () => {
    const rideId = randomUUID();
    const { stores, reads, asked } = fakes({ live: liveRide(rideId), trace: drive(5) });
    const out = await handle({ id: rideId, live: true, userId: driverId, role: 'driver' }, stores);

    expect(out.basis).toBe('measured');
    expect(out.samples).toBe(5);
    expect(out.distanceMeters).toBeGreaterThan(440);
    expect(out.distanceMeters).toBeLessThan(450);
    expect(out.durationSeconds).toBe(40);
    expect(asked).toEqual([[rideId, t(20), t(60)]]);
    expect(reads).toEqual(['redis:summary', 'redis:trace']);
  });

  it('with live=true, a ride Redis knows nothing about is a 404 and MongoDB is not scanned', async () => {
    const { stores, reads } = fakes({ live: null });
    const err = await handle({ id: randomUUID(), live: true, userId: driverId, role: 'driver' }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(404);
    expect((err as HttpProblem).message).toBe('live trace of this ride not found');
    expect(reads).toEqual(['redis:summary']);
  });

  it('falls back to the MongoDB timeline and samples once the Redis keys are gone', async () => {
    const rideId = randomUUID();
    const ev = (type: string, rank: number, at: Date): TimelineDoc => ({ _id: `s ${randomUUID()}`, rideId, type, rank, at, riderId, driverId });
    const timeline = [ev('microride.ride.accepted', 30, t(10)), ev('microride.ride.started', 50, t(20)), ev('microride.ride.completed', 90, t(50))];
    const samples = drive(3).map((s): LocationDoc => ({ ...s, driverId, rideId, heading: null, speedKmh: null }));
    const { stores, reads, asked } = fakes({ live: null, timeline, samples });
    const out = await handle({ id: rideId, live: false, userId: riderId, role: 'rider' }, stores);

    expect(out).toMatchObject({ samples: 3, durationSeconds: 30, basis: 'measured' });
    // The end goes along: an ended ride's packed trace is read instead of its samples when there is one.
    expect(asked).toEqual([[rideId, t(20), t(50), t(50)]]);
    expect(reads).toEqual(['redis:summary', 'mongo:timeline', 'mongo:samples']);
  });

  it('is "none" with zeros for a trip that has not started, and for fewer than two samples', async () => {
    const rideId = randomUUID();
    const notStarted = fakes({ live: liveRide(rideId, { startedAt: undefined, endedAt: undefined, rank: 30 }) });
    expect(await handle({ id: rideId, live: true, userId: riderId, role: 'rider' }, notStarted.stores)).toEqual({ distanceMeters: 0, samples: 0, durationSeconds: 0, basis: 'none' });
    expect(notStarted.reads).toEqual(['redis:summary']);

    const oneFix = fakes({ live: liveRide(rideId), trace: drive(1) });
    expect(await handle({ id: rideId, live: true, userId: riderId, role: 'rider' }, oneFix.stores)).toEqual({ distanceMeters: 0, samples: 1, durationSeconds: 40, basis: 'none' });
  });

  it('measures a trip still under way up to now', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t(95));
    const rideId = randomUUID();
    const { stores, asked } = fakes({ live: liveRide(rideId, { endedAt: undefined, rank: 50 }), trace: drive(2) });
    const out = await handle({ id: rideId, live: true, userId: driverId, role: 'driver' }, stores);
    expect(out.durationSeconds).toBe(75);
    expect(asked).toEqual([[rideId, t(20), t(95)]]);
  });

  it('is the same 404 for a stranger as for an unknown ride', async () => {
    const rideId = randomUUID();
    const { stores, reads } = fakes({ live: liveRide(rideId), trace: drive(3) });
    const err = await handle({ id: rideId, live: true, userId: randomUUID(), role: 'driver' }, stores).catch((e: unknown) => e);
    expect((err as HttpProblem).status).toBe(404);
    expect((err as HttpProblem).message).toBe('ride not found');
    expect(reads).toEqual(['redis:summary']);
  });
});
