import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import { handle, type Stores } from './track.js';
import type { LocationDoc, TimelineDoc } from './store.js';

const riderId = randomUUID();
const driverId = randomUUID();
const t = (s: number) => new Date(Date.UTC(2026, 2, 1, 8, 0, s));

function ride(rideId: string): TimelineDoc[] {
  const ev = (type: string, rank: number, at: Date, extra: Partial<TimelineDoc> = {}): TimelineDoc => ({ _id: `/src ${randomUUID()}`, rideId, type, rank, at, ...extra });
  // Stored out of order, as the broker may deliver them.
  return [
    ev('microride.ride.completed', 90, t(40), { riderId, driverId, location: { lat: 52.53, lon: 13.41 } }),
    ev('microride.ride.requested', 10, t(0), { riderId, location: { lat: 52.5, lon: 13.4 } }),
    ev('microride.ride.started', 50, t(20), { riderId, driverId }),
    ev('microride.ride.accepted', 30, t(10), { riderId, driverId }),
  ];
}

function fakes(docs: TimelineDoc[], samples: LocationDoc[] = []) {
  const asked: { rideId: string; from: Date; to: Date; endedAt?: Date | undefined }[] = [];
  const stores: Stores = {
    timelineOf: async (id) => docs.filter((d) => d.rideId === id),
    traceOfRide: async (d, from, to, endedAt) => {
      asked.push({ rideId: d, from, to, endedAt });
      return samples;
    },
  };
  return { stores, asked };
}

describe('tracking-track handle', () => {
  it('gives the rider the timeline oldest first and the ride’s trace from acceptance to the end', async () => {
    const rideId = randomUUID();
    const sample: LocationDoc = { driverId, rideId, at: t(25), lat: 52.51, lon: 13.402, heading: 45, speedKmh: null };
    const { stores, asked } = fakes(ride(rideId), [sample]);
    const out = await handle({ id: rideId, userId: riderId, role: 'rider' }, stores);

    expect(out).toEqual({
      rideId,
      status: 'completed',
      timeline: [
        { type: 'microride.ride.requested', at: t(0).toISOString(), location: { lat: 52.5, lon: 13.4 } },
        { type: 'microride.ride.accepted', at: t(10).toISOString() },
        { type: 'microride.ride.started', at: t(20).toISOString() },
        { type: 'microride.ride.completed', at: t(40).toISOString(), location: { lat: 52.53, lon: 13.41 } },
      ],
      trace: [{ lat: 52.51, lon: 13.402, at: t(25).toISOString(), heading: 45, speedKmh: null }],
    });
    // The end is passed on: an ended ride's trace is read from its packed document.
    expect(asked).toEqual([{ rideId, from: t(10), to: t(40), endedAt: t(40) }]);
    // Internal fields of the stored documents stay inside.
    expect(JSON.stringify(out)).not.toContain('/src');
  });

  it('lets the driver and an admin read it too', async () => {
    const rideId = randomUUID();
    const { stores } = fakes(ride(rideId));
    expect((await handle({ id: rideId, userId: driverId, role: 'driver' }, stores)).status).toBe('completed');
    expect((await handle({ id: rideId, userId: randomUUID(), role: 'admin' }, stores)).status).toBe('completed');
  });

  it('is the same 404 for somebody else’s ride as for an unknown one, and reads no trace then', async () => {
    const rideId = randomUUID();
    const { stores, asked } = fakes(ride(rideId));
    for (const input of [{ id: rideId, userId: randomUUID(), role: 'rider' as const }, { id: randomUUID(), userId: riderId, role: 'rider' as const }]) {
      const err = await handle(input, stores).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpProblem);
      expect((err as HttpProblem).status).toBe(404);
      expect((err as HttpProblem).message).toBe('ride not found');
    }
    expect(asked).toEqual([]);
  });

  it('has no trace before a driver accepted', async () => {
    const rideId = randomUUID();
    const { stores, asked } = fakes(ride(rideId).filter((d) => d.type === 'microride.ride.requested'));
    const out = await handle({ id: rideId, userId: riderId, role: 'rider' }, stores);
    expect(out.status).toBe('requested');
    expect(out.trace).toEqual([]);
    expect(asked).toEqual([]);
  });
});
