import { describe, expect, it, vi } from 'vitest';
import { clockAt, recordingLog } from '../test-support.js';
import { fakeMatchingStores, nearbyDriver, NOW, requested } from './fakes.js';
import { handle } from './sweep.js';
import { handle as request } from './request.js';

/** The sweep at `at`, with the clock there too. */
async function sweepAt(at: number, f: ReturnType<typeof fakeMatchingStores>, log = recordingLog()) {
  vi.setSystemTime(at);
  return { ...(await handle({ log: log.log, now: at }, f.stores)), lines: log.lines };
}

describe('matching-sweep handle', () => {
  clockAt(NOW);

  it('announces a lapsed round through the broker and keeps the ride on its list in case nobody acts', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await request(requested('ride-1'), recordingLog(), f.stores);

    expect(await sweepAt(NOW + 19_999, f)).toMatchObject({ lapsed: 0, searched: 0, lines: [] });
    const r = await sweepAt(NOW + 20_000, f);
    expect(r).toMatchObject({ lapsed: 1, searched: 0 });
    expect(f.emitted).toEqual([
      { from: 'matching-sweep', input: { type: 'microride.ride.offer_expired', subject: 'ride-1', data: { rideId: 'ride-1', round: 1 } } },
    ]);
    expect(f.state.due.get('ride-1')).toBe(NOW + 20_000 + 10_000);
    expect(r.lines).toContainEqual(expect.objectContaining({ msg: 'matching sweep', lapsed: 1, searched: 0 }));
  });

  it('a round that still stands goes back on the list for when it lapses', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await request(requested('ride-1'), recordingLog(), f.stores);
    f.state.due.set('ride-1', NOW + 1_000); // e.g. left there by a search that crashed
    expect(await sweepAt(NOW + 1_000, f)).toMatchObject({ lapsed: 0, searched: 0 });
    expect(f.emitted).toEqual([]);
    expect(f.state.due.get('ride-1')).toBe(NOW + 20_000);
  });

  it('looks again for a ride nobody was near, and offers it to a driver who came online meanwhile', async () => {
    const f = fakeMatchingStores();
    await request(requested('ride-1'), recordingLog(), f.stores);
    expect(f.state.due.get('ride-1')).toBe(NOW + 5_000);

    expect(await sweepAt(NOW + 5_000, f)).toMatchObject({ lapsed: 0, searched: 1 });
    expect(f.announced).toEqual([]);
    expect(f.state.due.get('ride-1')).toBe(NOW + 10_000);

    f.geo.drivers.push(nearbyDriver('late', 4_500));
    expect(await sweepAt(NOW + 10_000, f)).toMatchObject({ lapsed: 0, searched: 1 });
    expect(f.announced).toEqual([
      {
        from: 'matching-sweep',
        decision: { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['late'], round: 1, expiresAt: new Date(NOW + 10_000 + 20_000).toISOString() },
      },
    ]);
  });

  it('one ride failing does not stop the sweep: it is logged and looked at again in a second', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await request(requested('ride-1'), recordingLog(), f.stores);
    await request(requested('ride-2'), recordingLog(), f.stores);
    const emit = f.stores.emitEvent;
    f.stores.emitEvent = async (spec, input) => {
      if (input.subject === 'ride-1') throw new Error('broker unreachable');
      return emit(spec, input);
    };

    const r = await sweepAt(NOW + 20_000, f);
    expect(r).toMatchObject({ lapsed: 1, searched: 0 });
    expect(f.emitted.map((e) => e.input.subject)).toEqual(['ride-2']);
    expect(f.state.due.get('ride-1')).toBe(NOW + 21_000);
    expect(r.lines).toContainEqual(
      expect.objectContaining({ level: 40, rideId: 'ride-1', err: 'broker unreachable', msg: 'matching sweep step failed; retrying next tick' }),
    );
  });

  it('leaves closed rides alone and logs nothing when there was nothing to do', async () => {
    const f = fakeMatchingStores([nearbyDriver('a', 300)]);
    await request(requested('ride-1'), recordingLog(), f.stores);
    await f.stores.closeRide('ride-1');
    f.state.due.set('ride-1', NOW); // a stale entry
    const r = await sweepAt(NOW + 60_000, f);
    expect(r).toEqual({ lapsed: 0, searched: 0, lines: [] });
    expect(f.emitted).toEqual([]);
    expect(f.state.due.has('ride-1')).toBe(false);
  });
});
