import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './sweep.js';
import type { RideRow } from './store.js';
import { recordingLog } from '../test-support.js';
import { rideIn } from './test-support.js';

/** Each call of expire expires the next batch of `batches` and makes their events. */
function stores(batches: RideRow[][], timeoutSeconds = 120) {
  const calls: [number, number][] = [];
  const events: ReturnType<Parameters<Stores['expire']>[2]>[] = [];
  const s: Stores = {
    timeoutSeconds: () => timeoutSeconds,
    expire: async (timeout, limit, eventOf) => {
      const batch = batches[calls.length] ?? [];
      calls.push([timeout, limit]);
      events.push(...batch.map(eventOf));
      return batch.length;
    },
  };
  return { s, calls, events };
}

const waiting = (n: number) => Array.from({ length: n }, () => rideIn('matching'));

describe('rides-sweep handle', () => {
  it('expires the rides waiting past the timeout, one ride.expired each, and logs how many', async () => {
    const batch = waiting(2);
    const { s, calls, events } = stores([batch], 90);
    const { log, lines } = recordingLog();
    expect(await handle({ log }, s)).toBe(2);
    expect(calls).toEqual([[90, 200]]);
    expect(events).toEqual(batch.map((r) => ({ type: 'microride.ride.expired', subject: r.id, data: { rideId: r.id, riderId: r.rider_id } })));
    expect(lines.map((l) => [l.msg, l.expired])).toEqual([['rides expired: nobody accepted in time', 2]]);
  });

  it('takes full batches until one comes back short', async () => {
    const { s, calls } = stores([waiting(200), waiting(200), waiting(3)]);
    expect(await handle({ log: recordingLog().log }, s)).toBe(403);
    expect(calls).toHaveLength(3);
  });

  it('logs nothing on a tick with nothing to expire', async () => {
    const { s, calls } = stores([]);
    const { log, lines } = recordingLog();
    expect(await handle({ log }, s)).toBe(0);
    expect(calls).toHaveLength(1);
    expect(lines).toEqual([]);
  });
});
