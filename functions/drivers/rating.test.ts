import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './rating.js';
import type { RatingOutcome } from './trips.js';

function fakes(...outcomes: RatingOutcome[]) {
  const calls: [string, string, number][] = [];
  const warnings: [unknown, string | undefined][] = [];
  const stores: Stores = {
    async rideRated(rideId, driverId, stars) {
      calls.push([rideId, driverId, stars]);
      return outcomes[Math.min(calls.length, outcomes.length) - 1]!;
    },
  };
  return { stores, calls, warnings, ctx: { log: { warn: (obj: unknown, msg?: string) => void warnings.push([obj, msg]) } } };
}

const rated = () => ({ rideId: randomUUID(), riderId: randomUUID(), driverId: randomUUID(), stars: 4 });

describe('drivers-rating handle', () => {
  it("counts the ride's stars for its driver, quietly", async () => {
    const { stores, calls, warnings, ctx } = fakes('counted');
    const data = rated();
    await handle(data, ctx, stores);
    expect(calls).toEqual([[data.rideId, data.driverId, 4]]);
    expect(warnings).toEqual([]);
  });

  it('takes a redelivered rating without complaint: the store says it was already counted', async () => {
    const { stores, calls, warnings, ctx } = fakes('counted', 'duplicate');
    const data = rated();
    await handle(data, ctx, stores);
    await handle(data, ctx, stores);
    expect(calls).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  it('warns, without failing the delivery, when the driver has no profile', async () => {
    const { stores, warnings, ctx } = fakes('no_driver');
    const data = rated();
    await expect(handle(data, ctx, stores)).resolves.toBeUndefined();
    expect(warnings).toEqual([[{ rideId: data.rideId, driverId: data.driverId }, 'rating for a driver without a profile']]);
  });
});
