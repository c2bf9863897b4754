import { describe, expect, it } from 'vitest';
import { rideStatuses } from './migrations.js';
import { handle, type Stores } from './accept.js';
import type { OfferRow, RideRow } from './store.js';
import { startsFrom, transitions } from './transitions.js';
import { problemOf, recordingLog } from '../test-support.js';
import { asDriver, asOtherDriver, card, driverId, offerRow, otherDriverId, recordedReads, rideIn } from './test-support.js';

type Accepting = Parameters<Stores['accept']>;

/** The accept statement as `moves` says (a row back, or a throw), and what the refusal reads find. */
function stores(opts: { ride?: RideRow | undefined; offer?: OfferRow | undefined; moves?: RideRow | Error; card?: Error }) {
  const accepts: Accepting[] = [];
  const cards: [string, string][] = [];
  const { reads, ...find } = recordedReads(opts);
  const s: Stores = {
    ...find,
    accept: async (...args) => {
      accepts.push(args);
      if (opts.moves instanceof Error) throw opts.moves;
      return opts.moves;
    },
    driverCard: async (id, authorization) => {
      cards.push([id, authorization]);
      if (opts.card) throw opts.card;
      return { ...card, id };
    },
  };
  return { s, accepts, reads, cards };
}

const input = (id: string) => ({ id, authorization: 'Bearer driver-token' });

describe('rides-accept handle', () => {
  it('makes the caller the driver with one statement and its event (the rider from the row), reading nothing', async () => {
    const ride = rideIn('accepted', { driver_id: otherDriverId });
    const { s, accepts, reads, cards } = stores({ moves: { ...ride, driver_card: { ...card, id: otherDriverId } } });
    const { log, lines } = recordingLog('debug');
    const out = await handle(input(ride.id), asOtherDriver, log, s);

    expect(out).toMatchObject({ id: ride.id, status: transitions.accept.to, driverId: otherDriverId, driver: { ...card, id: otherDriverId } });
    expect(cards).toEqual([[otherDriverId, 'Bearer driver-token']]);
    const [a, event] = accepts[0]!;
    expect(a).toEqual({ id: ride.id, driverId: otherDriverId, acceptedAt: expect.any(Date), driverCard: { ...card, id: otherDriverId }, pickupCode: expect.stringMatching(/^[0-9]{4}$/) });
    expect(event).toEqual({
      type: 'microride.ride.accepted',
      subject: ride.id,
      data: { rideId: ride.id, driverId: otherDriverId, acceptedAt: a.acceptedAt.toISOString(), driver: { ...card, id: otherDriverId } },
    });
    expect(reads).toEqual([]);
    expect(lines.map((l) => [l.msg, l.rideId])).toEqual([['ride accepted', ride.id]]);
  });

  it('never shows the pickup code to the accepting driver: not in the answer, the event or a log line', async () => {
    const ride = rideIn('accepted', { pickup_code: '0517' });
    const { s, accepts } = stores({ moves: ride });
    const { log, lines } = recordingLog('trace');
    const out = await handle(input(ride.id), asDriver, log, s);
    const [a, event] = accepts[0]!;
    expect(a.pickupCode).toMatch(/^[0-9]{4}$/);
    for (const code of [a.pickupCode, '0517']) {
      expect(JSON.stringify(out)).not.toContain(code);
      expect(JSON.stringify(event)).not.toContain(`"${code}"`);
      expect(JSON.stringify(lines)).not.toContain(code);
    }
    expect(out).not.toHaveProperty('pickupCode');
  });

  it('draws the code from the whole 0000–9999 range', async () => {
    const { s, accepts } = stores({ moves: rideIn('accepted') });
    for (let i = 0; i < 200; i++) await handle(input(rideIn('matching').id), asDriver, recordingLog().log, s);
    const codes = new Set(accepts.map(([a]) => a.pickupCode));
    expect(codes.size).toBeGreaterThan(150);
  });

  it('refuses the accept, writing nothing, when the driver card cannot be read', async () => {
    const { s, accepts } = stores({ moves: rideIn('accepted'), card: Object.assign(new Error('down'), { status: 503 }) });
    await expect(handle(input(rideIn('matching').id), asDriver, recordingLog().log, s)).rejects.toThrow('down');
    expect(accepts).toEqual([]);
  });

  it('is 409 when the driver already has an active trip (the one-active-ride index said so)', async () => {
    const clash = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'rides_one_active_per_driver' });
    const p = await problemOf(handle(input(rideIn('matching').id), asDriver, recordingLog().log, stores({ moves: clash }).s));
    expect([p.status, p.detail]).toEqual([409, 'you already have an active trip; finish or cancel it first']);
  });

  it('explains a refusal: 404 without a ride, 403 without an offer', async () => {
    const ride = rideIn('matching');
    expect((await problemOf(handle(input(ride.id), asDriver, recordingLog().log, stores({}).s))).status).toBe(404);
    const p = await problemOf(handle(input(ride.id), asDriver, recordingLog().log, stores({ ride }).s));
    expect([p.status, p.detail]).toEqual([403, 'this ride was not offered to you']);
  });

  it('is 409 naming the current state for every state an accept cannot leave', async () => {
    const refused = rideStatuses.filter((s) => !startsFrom(transitions.accept, s));
    expect(refused.length).toBeGreaterThan(0);
    for (const status of refused) {
      const ride = rideIn(status, { driver_id: status === 'requested' ? null : otherDriverId });
      const offer = offerRow({ ride_id: ride.id, driver_id: driverId });
      const p = await problemOf(handle(input(ride.id), asDriver, recordingLog().log, stores({ ride, offer }).s));
      expect(p.status, status).toBe(409);
      expect(p.detail, status).toBe(`the ride is ${status}; another driver was faster or it ended`);
      expect(p.extra.currentStatus, status).toBe(status);
    }
  });

  it('tells a driver who accepted already, declined, or let the offer lapse which it was', async () => {
    const mine = rideIn('accepted');
    const again = await problemOf(handle(input(mine.id), asDriver, recordingLog().log, stores({ ride: mine, offer: offerRow({ ride_id: mine.id }) }).s));
    expect([again.status, again.detail, again.extra.currentStatus]).toEqual([409, 'you already accepted this ride', 'accepted']);

    const waiting = rideIn('matching');
    const declined = offerRow({ ride_id: waiting.id, declined_at: new Date() });
    const d = await problemOf(handle(input(waiting.id), asDriver, recordingLog().log, stores({ ride: waiting, offer: declined }).s));
    expect([d.status, d.detail, d.extra.currentStatus]).toEqual([409, 'you declined this offer', 'matching']);

    const lapsed = offerRow({ ride_id: waiting.id, expires_at: new Date('2026-12-01T10:00:20.000Z') });
    const e = await problemOf(handle(input(waiting.id), asDriver, recordingLog().log, stores({ ride: waiting, offer: lapsed }).s));
    expect([e.status, e.detail]).toEqual([409, 'your offer expired at 2026-12-01T10:00:20.000Z']);
  });
});
