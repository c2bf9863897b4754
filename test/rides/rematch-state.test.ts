/**
 * Matching's Lua scripts for a driver's cancellation, against the real Redis: reopening a
 * ride (rematchScript) and the close that must not undo it (closeScript), in the orders
 * the broker may deliver ride.accepted, ride.rematching and the end of a ride.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../helpers/platform.js';
import { closeRide, excludedDrivers, openRide, reopenRide, rideState, type MatchRide } from '../../functions/matching/state.js';

afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

const ride = (): MatchRide => ({ rideId: randomUUID(), riderId: randomUUID(), vehicleClass: 'economy', lat: 52.52, lon: 13.405, cell: 'u33dc' });

describe('matching state when the driver cancels before pickup', () => {
  it('reopens a ride closed by the acceptance, from its round, with the driver among the declined; a redelivery changes nothing', async () => {
    const r = ride();
    expect(await openRide(r)).toBe(true);
    expect(await closeRide(r.rideId, { accepted: 'driver-a' })).toEqual({ cell: r.cell, vehicleClass: 'economy' });
    expect(await reopenRide(r, 'driver-a')).toEqual({ counted: true, fromRound: 0 });
    expect(await rideState(r.rideId)).toMatchObject({ open: true, round: 0, pending: [], searching: false });
    expect(await excludedDrivers(r.rideId)).toEqual({ offered: new Set(['driver-a']), declined: new Set(['driver-a']) });
    expect(await reopenRide(r, 'driver-a')).toEqual({ counted: false, fromRound: 0 });
  });

  it('a reordered acceptance of the driver who cancelled does not close the ride again; the next driver’s does', async () => {
    const r = ride();
    await openRide(r);
    // ride.rematching overtook ride.accepted: the ride is still open, so its demand is not counted twice.
    expect(await reopenRide(r, 'driver-a')).toEqual({ counted: false, fromRound: 0 });
    expect(await closeRide(r.rideId, { accepted: 'driver-a' })).toBeNull();
    expect((await rideState(r.rideId))?.open).toBe(true);
    expect(await closeRide(r.rideId, { accepted: 'driver-b' })).toEqual({ cell: r.cell, vehicleClass: 'economy' });
    expect((await rideState(r.rideId))?.open).toBe(false);
  });

  it('never reopens a ride that ended, even when its end arrived first', async () => {
    const r = ride();
    await openRide(r);
    await closeRide(r.rideId, { accepted: 'driver-a' });
    expect(await closeRide(r.rideId, 'ended')).toBeNull();
    expect(await reopenRide(r, 'driver-a')).toEqual({ counted: false, fromRound: -1 });
    expect((await rideState(r.rideId))?.open).toBe(false);

    const unknown = ride();
    await closeRide(unknown.rideId, 'ended');
    expect(await reopenRide(unknown, 'driver-a')).toEqual({ counted: false, fromRound: -1 });
  });

  it('opens afresh, from the event, a ride whose state is gone', async () => {
    const r = ride();
    expect(await reopenRide(r, 'driver-a')).toEqual({ counted: true, fromRound: 0 });
    expect(await rideState(r.rideId)).toMatchObject({ riderId: r.riderId, vehicleClass: 'economy', lat: 52.52, lon: 13.405, cell: r.cell, open: true, round: 0 });
  });
});
