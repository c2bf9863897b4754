import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './sweep.js';
import type { RideRow } from './store.js';
import { recordingLog } from '../test-support.js';
import { rideIn } from './test-support.js';

/** Each call of expire expires the next batch of `batches` and makes their events. */
function stores(batches: RideRow[][], timeoutSeconds = 120, scheduled: { due?: RideRow[]; busy?: string[]; lead?: number } = {}) {
  const calls: [number, number][] = [];
  const events: ReturnType<Parameters<Stores['expire']>[2]>[] = [];
  const dueAsked: [number, number][] = [];
  const started: ReturnType<Parameters<Stores['startScheduled']>[1]>[] = [];
  const s: Stores = {
    timeoutSeconds: () => timeoutSeconds,
    leadMinutes: () => scheduled.lead ?? 10,
    scheduledDue: async (lead, limit) => {
      dueAsked.push([lead, limit]);
      return (scheduled.due ?? []).map((r) => r.id);
    },
    startScheduled: async (id, eventOf) => {
      const r = scheduled.due?.find((x) => x.id === id);
      if (!r || scheduled.busy?.includes(id)) return undefined;
      const row = { ...r, status: 'requested' as const };
      started.push(eventOf(row));
      return row;
    },
    expire: async (timeout, limit, eventOf) => {
      const batch = batches[calls.length] ?? [];
      calls.push([timeout, limit]);
      events.push(...batch.map(eventOf));
      return batch.length;
    },
  };
  return { s, calls, events, dueAsked, started };
}

const waiting = (n: number) => Array.from({ length: n }, () => rideIn('matching'));

describe('rides-sweep handle', () => {
  it('expires the rides waiting past the timeout, one ride.expired each, and logs how many', async () => {
    const batch = waiting(2);
    const { s, calls, events } = stores([batch], 90);
    const { log, lines } = recordingLog();
    expect(await handle({ log }, s)).toEqual({ started: 0, expired: 2 });
    expect(calls).toEqual([[90, 200]]);
    expect(events).toEqual(batch.map((r) => ({ type: 'microride.ride.expired', subject: r.id, data: { rideId: r.id, riderId: r.rider_id } })));
    expect(lines.map((l) => [l.msg, l.expired])).toEqual([['rides expired: nobody accepted in time', 2]]);
  });

  it('takes full batches until one comes back short', async () => {
    const { s, calls } = stores([waiting(200), waiting(200), waiting(3)]);
    expect((await handle({ log: recordingLog().log }, s)).expired).toBe(403);
    expect(calls).toHaveLength(3);
  });

  it('logs nothing on a tick with nothing to expire', async () => {
    const { s, calls } = stores([]);
    const { log, lines } = recordingLog();
    expect(await handle({ log }, s)).toEqual({ started: 0, expired: 0 });
    expect(calls).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('starts matching booked rides whose lead time began, with ride.requested as for any ride; one whose rider is busy waits', async () => {
    const booked = [rideIn('scheduled', { scheduled_for: new Date('2026-12-01T10:30:00.000Z') }), rideIn('scheduled')];
    const { s, dueAsked, started } = stores([], 120, { due: booked, busy: [booked[1]!.id], lead: 7.5 });
    const { log, lines } = recordingLog();
    expect(await handle({ log }, s)).toEqual({ started: 1, expired: 0 });
    expect(dueAsked).toEqual([[7.5, 200]]);
    const r = booked[0]!;
    expect(started).toEqual([
      {
        type: 'microride.ride.requested',
        subject: r.id,
        data: {
          rideId: r.id,
          riderId: r.rider_id,
          pickup: { lat: r.pickup_lat, lon: r.pickup_lon },
          dropoff: { lat: r.dropoff_lat, lon: r.dropoff_lon },
          vehicleClass: 'economy',
          fare: { amount: r.quoted_amount, currency: 'EUR' },
          requestedAt: r.requested_at.toISOString(),
        },
      },
    ]);
    expect(lines.map((l) => [l.msg, l.started])).toEqual([['booked rides started matching', 1]]);
  });
});
