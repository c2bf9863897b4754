import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './accept.js';
import type { OfferRow, RideRow } from './store.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf, recordingLog } from '../test-support.js';
import { asDriver, asOtherDriver, driverId, offerRow, otherDriverId, recordedReads, rideIn } from './test-support.js';

type Accepting = Parameters<Stores['accept']>;

/** The accept statement as `moves` says (a row back, or a throw), and what the refusal reads find. */
function stores(opts: { ride?: RideRow | undefined; offer?: OfferRow | undefined; moves?: RideRow | Error }) {
  const accepts: Accepting[] = [];
  const { reads, ...find } = recordedReads(opts);
  const s: Stores = {
    ...find,
    accept: async (...args) => {
      accepts.push(args);
      if (opts.moves instanceof Error) throw opts.moves;
      return opts.moves;
    },
  };
  return { s, accepts, reads };
}

describe('rides-accept handle', () => {
  it('makes the caller the driver with one statement and its event (the rider from the row), reading nothing', async () => {
    const ride = rideIn('accepted', { driver_id: otherDriverId });
    const { s, accepts, reads } = stores({ moves: ride });
    const { log, lines } = recordingLog();
    const out = await handle({ id: ride.id }, asOtherDriver, log, s);

    expect(out).toMatchObject({ id: ride.id, status: transitions.accept.to, driverId: otherDriverId });
    const [a, event] = accepts[0]!;
    expect(a).toEqual({ id: ride.id, driverId: otherDriverId, acceptedAt: expect.any(Date) });
    expect(event).toEqual({
      type: 'microride.ride.accepted',
      subject: ride.id,
      data: { rideId: ride.id, driverId: otherDriverId, acceptedAt: a.acceptedAt.toISOString() },
    });
    expect(reads).toEqual([]);
    expect(lines.map((l) => [l.msg, l.rideId])).toEqual([['ride accepted', ride.id]]);
  });

  it('is 409 when the driver already has an active trip (the one-active-ride index said so)', async () => {
    const clash = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'rides_one_active_per_driver' });
    const p = await problemOf(handle({ id: rideIn('matching').id }, asDriver, recordingLog().log, stores({ moves: clash }).s));
    expect([p.status, p.detail]).toEqual([409, 'you already have an active trip; finish or cancel it first']);
  });

  it('explains a refusal: 404 without a ride, 403 without an offer', async () => {
    const ride = rideIn('matching');
    expect((await problemOf(handle({ id: ride.id }, asDriver, recordingLog().log, stores({}).s))).status).toBe(404);
    const p = await problemOf(handle({ id: ride.id }, asDriver, recordingLog().log, stores({ ride }).s));
    expect([p.status, p.detail]).toEqual([403, 'this ride was not offered to you']);
  });

  it('is 409 naming the current state for every state an accept cannot leave', async () => {
    const refused = rideStatuses.filter((s) => !startsFrom(transitions.accept, s));
    expect(refused.length).toBeGreaterThan(0);
    for (const status of refused) {
      const ride = rideIn(status, { driver_id: status === 'requested' ? null : otherDriverId });
      const offer = offerRow({ ride_id: ride.id, driver_id: driverId });
      const p = await problemOf(handle({ id: ride.id }, asDriver, recordingLog().log, stores({ ride, offer }).s));
      expect(p.status, status).toBe(409);
      expect(p.detail, status).toBe(`the ride is ${status}; another driver was faster or it ended`);
      expect(p.extra.currentStatus, status).toBe(status);
    }
  });

  it('tells a driver who accepted already, declined, or let the offer lapse which it was', async () => {
    const mine = rideIn('accepted');
    const again = await problemOf(handle({ id: mine.id }, asDriver, recordingLog().log, stores({ ride: mine, offer: offerRow({ ride_id: mine.id }) }).s));
    expect([again.status, again.detail, again.extra.currentStatus]).toEqual([409, 'you already accepted this ride', 'accepted']);

    const waiting = rideIn('matching');
    const declined = offerRow({ ride_id: waiting.id, declined_at: new Date() });
    const d = await problemOf(handle({ id: waiting.id }, asDriver, recordingLog().log, stores({ ride: waiting, offer: declined }).s));
    expect([d.status, d.detail, d.extra.currentStatus]).toEqual([409, 'you declined this offer', 'matching']);

    const lapsed = offerRow({ ride_id: waiting.id, expires_at: new Date('2026-12-01T10:00:20.000Z') });
    const e = await problemOf(handle({ id: waiting.id }, asDriver, recordingLog().log, stores({ ride: waiting, offer: lapsed }).s));
    expect([e.status, e.detail]).toEqual([409, 'your offer expired at 2026-12-01T10:00:20.000Z']);
  });
});
