import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { clockAt } from '../test-support.js';
import type { NearbyDriver } from '../tracking/live-index.js';
import { fakeMatchingStores, nearbyDriver, NOW, requested } from './fakes.js';
import { handle } from './next.js';
import { handle as request } from './request.js';
import { handle as close } from './close.js';

const TTL_MS = 20_000;
const silent = { log: pino({ level: 'silent' }) };
const lapsed = (round: number) => ({ type: 'microride.ride.offer_expired' as const, data: { rideId: 'ride-1', round } });
const declined = (driverId: string) => ({ type: 'microride.ride.declined' as const, data: { rideId: 'ride-1', driverId } });

/** A ride whose first round went out at NOW (matching-request). */
async function rideWithFirstRound(drivers: NearbyDriver[]) {
  const f = fakeMatchingStores(drivers);
  await request(
    requested(),
    silent,
    f.stores,
  );
  f.announced.length = 0;
  f.geo.searches.length = 0;
  return f;
}

describe('matching-next handle', () => {
  clockAt(NOW);

  it('a lapsed round goes to the next nearest drivers, leaving out those already offered', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300), nearbyDriver('b', 600), nearbyDriver('c', 900), nearbyDriver('d', 1_200), nearbyDriver('e', 1_500)]);
    vi.setSystemTime(NOW + TTL_MS);
    await handle(lapsed(1), f.stores);

    expect(f.geo.searches).toEqual([{ radiusMeters: 2_000, limit: 3, exclude: ['a', 'b', 'c'] }]);
    expect(f.announced).toEqual([
      {
        from: 'matching-next',
        decision: { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['d', 'e'], round: 2, expiresAt: new Date(NOW + 2 * TTL_MS).toISOString() },
      },
    ]);
  });

  it('widens past those already offered before giving anyone a second chance', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300), nearbyDriver('far', 7_000)]);
    vi.setSystemTime(NOW + TTL_MS);
    await handle(lapsed(1), f.stores);
    expect(f.geo.searches.map((s) => [s.radiusMeters, s.exclude])).toEqual([
      [2_000, ['a']],
      [5_000, ['a']],
      [10_000, ['a']],
    ]);
    expect(f.announced[0]!.decision.driverIds).toEqual(['far']);
  });

  it('when everyone near was offered, those whose offer lapsed get another chance, those who declined do not', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300), nearbyDriver('b', 600)]);
    await handle(declined('a'), f.stores);
    expect(f.announced).toEqual([]);

    vi.setSystemTime(NOW + TTL_MS);
    await handle(lapsed(1), f.stores);
    // Three radii without anyone new, then one more search leaving out only who said no.
    expect(f.geo.searches.map((s) => s.exclude)).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b'], ['a']]);
    expect(f.announced.map((a) => [a.decision.round, a.decision.driverIds])).toEqual([[2, ['b']]]);
  });

  it('a decline moves the ride on only when every driver of the round has declined', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300), nearbyDriver('b', 600), nearbyDriver('c', 900), nearbyDriver('d', 1_200)]);
    await handle(declined('a'), f.stores);
    await handle(declined('b'), f.stores);
    await handle(declined('stranger'), f.stores);
    expect(f.announced).toEqual([]);
    expect(f.geo.searches).toEqual([]);

    await handle(declined('c'), f.stores);
    expect(f.announced.map((a) => [a.from, a.decision.round, a.decision.driverIds])).toEqual([['matching-next', 2, ['d']]]);
  });

  it('the round lapsing as its last driver declines advances it once; the later event hands over the same round again', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300), nearbyDriver('b', 600), nearbyDriver('c', 900), nearbyDriver('d', 1_200)]);
    for (const id of ['a', 'b', 'c']) await handle(declined(id), f.stores);
    await handle(lapsed(1), f.stores);

    expect(f.announced).toHaveLength(2);
    expect(f.announced[1]!.decision).toEqual(f.announced[0]!.decision);
    expect(f.announced[0]!.decision).toMatchObject({ round: 2, driverIds: ['d'] });
    expect(f.geo.searches).toHaveLength(1);
    expect((await f.state.rideState('ride-1'))!.round).toBe(2);
  });

  it('everyone declined and nobody else around: nothing to announce, the sweep looks again in 5 s', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300)]);
    vi.setSystemTime(NOW + 1_000);
    await handle(declined('a'), f.stores);
    expect(f.announced).toEqual([]);
    expect(await f.state.rideState('ride-1')).toMatchObject({ open: true, round: 1, pending: [] });
    expect(f.state.due.get('ride-1')).toBe(NOW + 1_000 + 5_000);
  });

  it('a closed ride is not offered again', async () => {
    const f = await rideWithFirstRound([nearbyDriver('a', 300), nearbyDriver('b', 600), nearbyDriver('c', 900), nearbyDriver('d', 1_200)]);
    await close({ rideId: 'ride-1' }, f.stores);
    vi.setSystemTime(NOW + TTL_MS);
    await handle(lapsed(1), f.stores);
    await handle(declined('a'), f.stores);
    expect(f.announced).toEqual([]);
    expect(f.geo.searches).toEqual([]);
  });
});
