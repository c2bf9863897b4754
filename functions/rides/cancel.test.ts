import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './cancel.js';
import type { RideRow, Transition } from './store.js';
import { rideSettings } from './settings.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf, recordingLog } from '../test-support.js';
import { asDriver, asOtherDriver, asRider, driverId, rideIn, riderId, card } from './test-support.js';

/** Each read returns the next of `reads` (the last one after that); the cancel succeeds when `cancels` says so for that attempt. */
function stores(reads: (RideRow | undefined)[], cancels: boolean[] = [true]) {
  const tried: Transition[] = [];
  const events: ReturnType<Parameters<Stores['cancel']>[1]>[] = [];
  const rematched: Parameters<Stores['rematch']>[0][] = [];
  const rematchEvents: ReturnType<Parameters<Stores['rematch']>[1]>[] = [];
  let read = 0;
  const s: Stores = {
    rematch: async (r, eventOf) => {
      rematched.push(r);
      const seen = reads[Math.min(read - 1, reads.length - 1)];
      if (!cancels[rematched.length - 1] || !seen) return undefined;
      const row: RideRow = { ...seen, status: transitions.cancelByDriver.to, driver_id: null, accepted_at: null, arrived_at: null };
      rematchEvents.push(eventOf(row));
      return row;
    },
    findRide: async () => reads[Math.min(read++, reads.length - 1)],
    cancel: async (t, eventOf) => {
      tried.push(t);
      const seen = reads[Math.min(read - 1, reads.length - 1)];
      if (!cancels[tried.length - 1] || !seen) return undefined;
      const row: RideRow = { ...seen, status: t.to, ...(t.set as Partial<RideRow>), cancelled_at: new Date() };
      events.push(eventOf(row));
      return row;
    },
  };
  return { s, tried, events, rematched, rematchEvents };
}

describe('rides-cancel handle', () => {
  it('lets the rider cancel a ride nobody accepted yet for free, compared against the state read', async () => {
    const ride = rideIn('matching');
    const { s, tried, events } = stores([ride]);
    const { log, lines } = recordingLog();
    const out = await handle({ id: ride.id, reason: 'changed my mind' }, asRider, log, s);

    expect(tried).toEqual([
      {
        id: ride.id,
        from: ['matching'],
        to: transitions.cancelByRider.to,
        where: { rider_id: riderId },
        set: { cancelled_by: 'rider', cancel_reason: 'changed my mind', cancel_fee: null },
      },
    ]);
    expect(events).toEqual([
      {
        type: 'microride.ride.cancelled',
        subject: ride.id,
        data: { rideId: ride.id, riderId, driverId: null, by: 'rider', reason: 'changed my mind', fee: null },
      },
    ]);
    expect(out).toMatchObject({ status: 'cancelled', cancellation: { by: 'rider', reason: 'changed my mind', fee: null } });
    expect(lines.map((l) => [l.msg, l.from])).toEqual([['ride cancelled', 'matching']]);
  });

  it('charges the rider the fee once the driver has arrived; the event carries it and no reason when none was given', async () => {
    const { CANCEL_FEE_AMOUNT } = rideSettings();
    const ride = rideIn('arrived');
    const { s, tried, events } = stores([ride]);
    const out = await handle({ id: ride.id, reason: null }, asRider, recordingLog().log, s);
    expect(tried[0]!.set).toEqual({ cancelled_by: 'rider', cancel_reason: null, cancel_fee: CANCEL_FEE_AMOUNT });
    expect(events[0]!.data).toEqual({ rideId: ride.id, riderId, driverId, by: 'rider', fee: { amount: CANCEL_FEE_AMOUNT, currency: 'EUR' }, driver: card });
    expect(out.cancellation?.fee).toEqual({ amount: CANCEL_FEE_AMOUNT, currency: 'EUR' });
  });

  it('the assigned driver cancelling before pickup sends the same ride back to matching: no fee, no end, ride.rematching', async () => {
    for (const from of ['accepted', 'arrived'] as const) {
      const ride = rideIn(from);
      const { s, tried, rematched, rematchEvents } = stores([ride]);
      const { log, lines } = recordingLog();
      const out = await handle({ id: ride.id, reason: 'flat tyre' }, asDriver, log, s);
      expect(tried).toEqual([]);
      expect(rematched).toEqual([{ id: ride.id, driverId, from }]);
      expect(rematchEvents).toEqual([
        {
          type: 'microride.ride.rematching',
          subject: ride.id,
          data: { rideId: ride.id, riderId, driverId, from, reason: 'flat tyre', pickup: { lat: ride.pickup_lat, lon: ride.pickup_lon }, vehicleClass: 'economy' },
        },
      ]);
      expect(out).toMatchObject({ id: ride.id, status: 'matching', driverId: null, cancellation: null });
      expect(lines.map((l) => l.msg)).toEqual(['driver cancelled before pickup; ride back to matching']);
    }
  });

  it('a driver cancellation whose ride moved meanwhile is read again, and refused once the driver is no longer on it', async () => {
    const accepted = rideIn('accepted');
    const taken = { ...accepted, status: 'cancelled' as const };
    const { s, rematched } = stores([accepted, taken], [false]);
    const p = await problemOf(handle({ id: accepted.id, reason: null }, asDriver, recordingLog().log, s));
    expect([p.status, p.extra.currentStatus]).toEqual([409, 'cancelled']);
    expect(rematched).toHaveLength(1);
  });

  it('is 409 naming the current state for every state the rider cannot cancel from', async () => {
    for (const status of rideStatuses.filter((x) => !startsFrom(transitions.cancelByRider, x))) {
      const { s, tried } = stores([rideIn(status)]);
      const p = await problemOf(handle({ id: 'r', reason: null }, asRider, recordingLog().log, s));
      const hint = status === 'in_progress' ? '; the driver completes a trip in progress' : '';
      expect([p.status, p.detail, p.extra.currentStatus], status).toEqual([409, `cannot cancel a ride that is ${status}${hint}`, status]);
      expect(tried).toEqual([]);
    }
  });

  it('is 409 naming the current state for every state the assigned driver cannot cancel from', async () => {
    const refused = rideStatuses.filter((x) => !startsFrom(transitions.cancelByDriver, x));
    expect(refused).toContain('matching');
    for (const status of refused) {
      const { s, tried, rematched } = stores([rideIn(status, { driver_id: driverId })]);
      const p = await problemOf(handle({ id: 'r', reason: null }, asDriver, recordingLog().log, s));
      expect([p.status, p.extra.currentStatus], status).toEqual([409, status]);
      expect(tried).toEqual([]);
      expect(rematched).toEqual([]);
    }
  });

  it('is 404 for a ride that is neither the caller’s as rider nor as driver', async () => {
    expect((await problemOf(handle({ id: 'r', reason: null }, asOtherDriver, recordingLog().log, stores([rideIn('accepted')]).s))).status).toBe(404);
    expect((await problemOf(handle({ id: 'r', reason: null }, asRider, recordingLog().log, stores([undefined]).s))).status).toBe(404);
  });

  it('reads again and decides again when the ride moved before the cancel, and gives up after three tries', async () => {
    const { CANCEL_FEE_AMOUNT } = rideSettings();
    const accepted = rideIn('accepted');
    const arrived = { ...accepted, status: 'arrived' as const };
    const moved = stores([accepted, arrived], [false, true]);
    await handle({ id: accepted.id, reason: null }, asRider, recordingLog().log, moved.s);
    expect(moved.tried.map((t) => [t.from, t.set?.cancel_fee])).toEqual([
      [['accepted'], null],
      [['arrived'], CANCEL_FEE_AMOUNT],
    ]);

    const restless = stores([accepted], [false, false, false]);
    const p = await problemOf(handle({ id: accepted.id, reason: null }, asRider, recordingLog().log, restless.s));
    expect([p.status, p.detail, p.extra.currentStatus]).toEqual([409, 'the ride keeps changing; try again', 'accepted']);
    expect(restless.tried).toHaveLength(3);
  });
});
