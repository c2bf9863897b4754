import { describe, expect, it } from 'vitest';
import { handle } from './unshare.js';
import { tokenHash } from './shares.js';
import { problemOf } from '../test-support.js';
import { asRider, riderId } from './test-support.js';

describe('rides-unshare handle', () => {
  it('revokes the rider’s own link of that ride by the token’s hash', async () => {
    const asked: unknown[] = [];
    await handle({ id: 'ride-1', token: 'tok' }, asRider, { revokeShare: async (r) => (asked.push(r), true) });
    expect(asked).toEqual([{ tokenHash: tokenHash('tok'), rideId: 'ride-1', riderId }]);
  });

  it('is 404 when there is no such link of a ride of theirs', async () => {
    expect((await problemOf(handle({ id: 'ride-1', token: 'tok' }, asRider, { revokeShare: async () => false }))).status).toBe(404);
  });
});
