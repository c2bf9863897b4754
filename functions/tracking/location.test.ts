import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clockAt } from '../test-support.js';
import { HttpProblem } from '../../platform/problem.js';
import { tooManyRequests } from '../../platform/rate-limit.js';
import { handle, type Stores } from './location.js';
import type { Position, RecordResult } from './live-index.js';
import type { LocationDoc } from './store.js';
import type { Sample } from './odometer.js';
import type { LivePing } from './live-push.js';

const NOW = new Date('2026-03-01T08:30:00.000Z');

/** Fake stores that remember every write; `rideId` is the driver's active ride pointer. */
function fakes(rideId: string | null, indexed: RecordResult = 'indexed') {
  const written = {
    positions: [] as { driverId: string; p: Position }[],
    samples: [] as LocationDoc[],
    traces: [] as { rideId: string; s: Sample }[],
    live: [] as { rideId: string; ping: LivePing; at: Date }[],
  };
  const stores: Stores = {
    checkPingInterval: async () => undefined,
    activeRide: async () => rideId,
    recordPosition: async (driverId, p) => {
      written.positions.push({ driverId, p });
      return indexed;
    },
    insertSample: async (s) => {
      written.samples.push(s);
    },
    appendTrace: async (id, s) => {
      written.traces.push({ rideId: id, s });
    },
    publishLive: async (id, ping, at) => {
      written.live.push({ rideId: id, ping, at });
      return 'pushed';
    },
  };
  return { stores, written };
}

describe('tracking-location handle', () => {
  clockAt(NOW);

  it('on a ride: writes the live index, the durable sample and the ride trace, all stamped with server time', async () => {
    const driverId = randomUUID();
    const rideId = randomUUID();
    const { stores, written } = fakes(rideId);
    const out = await handle({ driverId, lat: 52.52, lon: 13.405, heading: 90, speedKmh: 30 }, stores);

    expect(out).toEqual({ receivedAt: NOW.toISOString(), rideId, searchable: true });
    expect(written.positions).toEqual([{ driverId, p: { lat: 52.52, lon: 13.405, heading: 90, speedKmh: 30, at: NOW } }]);
    expect(written.samples).toEqual([{ driverId, rideId, at: NOW, lat: 52.52, lon: 13.405, heading: 90, speedKmh: 30 }]);
    expect(written.traces).toEqual([{ rideId, s: { at: NOW, lat: 52.52, lon: 13.405, heading: 90, speedKmh: 30 } }]);
    expect(written.live).toEqual([{ rideId, ping: { lat: 52.52, lon: 13.405, heading: 90, speedKmh: 30 }, at: NOW }]);
  });

  it('on a ride: a failing live push does not fail the ping (the position is stored; the next ping pushes again)', async () => {
    const rideId = randomUUID();
    const { stores, written } = fakes(rideId);
    stores.publishLive = async () => {
      throw new Error('redis down');
    };
    const out = await handle({ driverId: randomUUID(), lat: 52.52, lon: 13.405 }, stores);
    expect(out.rideId).toBe(rideId);
    expect(written.samples).toHaveLength(1);
  });

  it('off a ride: no trace is appended, the sample has no ride, and missing heading/speed are stored as null', async () => {
    const driverId = randomUUID();
    const { stores, written } = fakes(null);
    const out = await handle({ driverId, lat: 48.1, lon: 11.6 }, stores);

    expect(out).toEqual({ receivedAt: NOW.toISOString(), rideId: null, searchable: true });
    expect(written.traces).toEqual([]);
    expect(written.live).toEqual([]);
    expect(written.samples).toEqual([{ driverId, rideId: null, at: NOW, lat: 48.1, lon: 11.6, heading: null, speedKmh: null }]);
    expect(written.positions[0]?.p).toEqual({ lat: 48.1, lon: 11.6, heading: null, speedKmh: null, at: NOW });
  });

  it('is searchable only when the live index indexed the position (an offline or out-of-order one is only stored)', async () => {
    for (const result of ['stored', 'out_of_order'] as const) {
      const { stores, written } = fakes(null, result);
      const out = await handle({ driverId: randomUUID(), lat: 1, lon: 2 }, stores);
      expect(out.searchable).toBe(false);
      // The durable copy is written whatever the index decided.
      expect(written.samples).toHaveLength(1);
    }
  });

  it('fails when the durable copy cannot be written, so the app sends the position again', async () => {
    const { stores } = fakes(randomUUID());
    stores.insertSample = async () => {
      throw new Error('mongo down');
    };
    await expect(handle({ driverId: randomUUID(), lat: 1, lon: 2 }, stores)).rejects.toThrow('mongo down');
  });

  it('refuses a ping under LOCATION_MIN_INTERVAL_MS after the last with 429, and stores nothing of it', async () => {
    const { stores, written } = fakes(randomUUID());
    const checked: string[] = [];
    stores.checkPingInterval = async (driverId) => {
      checked.push(driverId);
      throw tooManyRequests({ what: 'location pings', setting: 'LOCATION_MIN_INTERVAL_MS' }, 400);
    };
    const driverId = randomUUID();
    const err = await handle({ driverId, lat: 1, lon: 2 }, stores).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(429);
    expect((err as HttpProblem).extra).toMatchObject({ limit: 'LOCATION_MIN_INTERVAL_MS', headers: { 'retry-after': '1' } });
    expect(checked).toEqual([driverId]);
    expect(written).toEqual({ positions: [], samples: [], traces: [], live: [] });
  });
});
