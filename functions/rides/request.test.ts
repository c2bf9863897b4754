import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../platform/problem.js';
import type { Quote } from '../analysis/quote-token.js';
import { handle, type Stores } from './request.js';
import type { NewRide, RideRow } from './store.js';
import { transitions } from './transitions.js';
import { problemOf, recordingLog } from '../test-support.js';
import { riderId, rideRow } from './test-support.js';

const otherRider = '44444444-4444-4444-8444-444444444444';
const hashOf = (quoteId: string) => createHash('sha256').update(quoteId).digest('base64url');

const quote = (over: Partial<Quote> = {}): Quote => ({
  riderId,
  pickup: { lat: 52.52, lon: 13.405 },
  dropoff: { lat: 52.5, lon: 13.42 },
  vehicleClass: 'comfort',
  fare: { amount: 1_480, currency: 'EUR', breakdown: { base: 250, distance: 900, time: 330, surgeExtra: 0, minimumApplied: 0 } },
  tariff: { base: 250, perKm: 225, perMinute: 33, minimum: 600 },
  surgeMultiplier: 1.2,
  distanceMeters: 4_000,
  durationSeconds: 600,
  pickupEtaSeconds: 120,
  expiresAt: '2026-12-01T10:05:00.000Z',
  ...over,
});

/** A rides table that holds `existing` rows; inserts land in `inserted`, or throw `insertError`. */
function stores(opts: { quote?: Quote | Error; existing?: RideRow[]; insertError?: unknown; active?: RideRow } = {}) {
  const inserted: { ride: NewRide; event: Parameters<Stores['insertRide']>[1] }[] = [];
  const s: Stores = {
    verifyQuote: async () => {
      const q = opts.quote ?? quote();
      if (q instanceof Error) throw q;
      return q;
    },
    findByIdempotencyKey: async (rider, key) => opts.existing?.find((r) => r.rider_id === rider && r.idempotency_key === key),
    insertRide: async (ride, event) => {
      if (opts.insertError) throw opts.insertError;
      inserted.push({ ride, event });
      return rideRow({ ...ride, status: event.type === 'microride.ride.scheduled' ? transitions.book.to : transitions.request.to, quote: ride.quote });
    },
    activeRideOf: async () => opts.active,
  };
  return { s, inserted };
}

const clash = (constraint: string) => Object.assign(new Error('duplicate key'), { code: '23505', constraint });

describe('rides-request handle', () => {
  it('inserts a requested ride from the verified quote with its event, and answers 201 with its Location', async () => {
    const { s, inserted } = stores();
    const { log, lines } = recordingLog();
    const out = await handle({ quoteId: 'signed-quote-token-1', idempotencyKey: 'tap-1' }, { userId: riderId }, log, s);

    expect(inserted).toHaveLength(1);
    const { ride, event } = inserted[0]!;
    expect(ride).toMatchObject({
      rider_id: riderId,
      vehicle_class: 'comfort',
      pickup_lat: 52.52,
      dropoff_lon: 13.42,
      currency: 'EUR',
      quoted_amount: 1_480,
      idempotency_key: 'tap-1',
      request_hash: hashOf('signed-quote-token-1'),
    });
    // What is kept of the quote is what the final fare needs, not the rider it was issued to.
    expect(ride.quote).toEqual({
      fare: quote().fare,
      tariff: quote().tariff,
      surgeMultiplier: 1.2,
      distanceMeters: 4_000,
      durationSeconds: 600,
      pickupEtaSeconds: 120,
      expiresAt: '2026-12-01T10:05:00.000Z',
    });
    expect(ride.requested_at).toEqual(ride.updated_at);
    expect(event).toEqual({
      type: 'microride.ride.requested',
      subject: ride.id,
      data: {
        rideId: ride.id,
        riderId,
        pickup: { lat: 52.52, lon: 13.405 },
        dropoff: { lat: 52.5, lon: 13.42 },
        vehicleClass: 'comfort',
        fare: { amount: 1_480, currency: 'EUR' },
        requestedAt: ride.requested_at.toISOString(),
      },
    });
    expect(out).toMatchObject({ status: 201, headers: { location: `/api/v1/rides/${ride.id}` }, body: { id: ride.id, status: 'requested' } });
    expect(JSON.stringify(out.body)).not.toContain(hashOf('signed-quote-token-1'));
    expect(lines.map((l) => l.msg)).toEqual(['ride requested']);
  });

  it('without an Idempotency-Key makes the quote the key: one ride per quote', async () => {
    const { s, inserted } = stores();
    await handle({ quoteId: 'signed-quote-token-2', idempotencyKey: undefined }, { userId: riderId }, recordingLog().log, s);
    expect(inserted[0]!.ride.idempotency_key).toBe(`quote:${hashOf('signed-quote-token-2')}`);
  });

  it('answers a retry whose insert hit the key with the ride the key made: 200, nothing new', async () => {
    const earlier = rideRow({ idempotency_key: 'tap-1', request_hash: hashOf('q-1'), status: 'matching' });
    const { s, inserted } = stores({ existing: [earlier], insertError: clash('rides_idempotency_key') });
    const out = await handle({ quoteId: 'q-1', idempotencyKey: 'tap-1' }, { userId: riderId }, recordingLog().log, s);
    expect(out).toMatchObject({ status: 200, body: { id: earlier.id, status: 'matching' } });
    expect(out).not.toHaveProperty('headers');
    expect(inserted).toEqual([]);
  });

  it('replays an expired quote’s ride, but refuses the same key with another quote (422)', async () => {
    const earlier = rideRow({ idempotency_key: 'tap-1', request_hash: hashOf('q-1') });
    const expired = new HttpProblem(422, 'quote expired');
    const replayed = await handle({ quoteId: 'q-1', idempotencyKey: 'tap-1' }, { userId: riderId }, recordingLog().log, stores({ quote: expired, existing: [earlier] }).s);
    expect(replayed).toMatchObject({ status: 200, body: { id: earlier.id } });

    const reused = await problemOf(handle({ quoteId: 'q-2', idempotencyKey: 'tap-1' }, { userId: riderId }, recordingLog().log, stores({ quote: expired, existing: [earlier] }).s));
    expect(reused.status).toBe(422);
    expect(reused.detail).toBe('this Idempotency-Key was already used with a different request body');
    expect(reused.extra.errors).toEqual([{ path: 'Idempotency-Key', message: 'reused with another quoteId or scheduledFor' }]);

    // No earlier ride with the key: the quote's own refusal stands.
    expect(await problemOf(handle({ quoteId: 'q-3', idempotencyKey: 'tap-9' }, { userId: riderId }, recordingLog().log, stores({ quote: expired }).s))).toBe(expired);
  });

  it('refuses another rider’s quote with 403 and writes nothing', async () => {
    const { s, inserted } = stores({ quote: quote({ riderId: otherRider }) });
    const p = await problemOf(handle({ quoteId: 'q-1', idempotencyKey: 'tap-1' }, { userId: riderId }, recordingLog().log, s));
    expect([p.status, p.detail]).toEqual([403, 'this quote was issued to another rider']);
    expect(inserted).toEqual([]);
  });

  it('is 409 naming the active ride when the rider already has one; other failures pass through', async () => {
    const active = rideRow({ status: 'accepted' });
    const p = await problemOf(handle({ quoteId: 'q-1', idempotencyKey: 'tap-2' }, { userId: riderId }, recordingLog().log, stores({ insertError: clash('rides_one_active_per_rider'), active }).s));
    expect([p.status, p.detail, p.extra.activeRideId]).toEqual([409, 'you already have an active ride; cancel or finish it first', active.id]);

    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(handle({ quoteId: 'q-1', idempotencyKey: 'tap-2' }, { userId: riderId }, recordingLog().log, stores({ insertError: down }).s)).rejects.toBe(down);
  });

  describe('booked for later (scheduledFor)', () => {
    const now = Date.parse('2026-12-01T10:00:00.000Z');
    const at = (ms: number) => new Date(now + ms).toISOString();

    it('books a scheduled ride with ride.scheduled and the quote it was booked with; matching does not start yet', async () => {
      const { s, inserted } = stores();
      const out = await handle({ quoteId: 'signed-quote-token-1', scheduledFor: '2026-12-01T12:30:00+01:00', idempotencyKey: undefined }, { userId: riderId }, recordingLog().log, s, now);
      expect(out.status).toBe(201);
      expect(out.body).toMatchObject({ status: 'scheduled', scheduledFor: '2026-12-01T11:30:00.000Z', quote: { fare: { amount: 1_480 } } });
      const { ride, event } = inserted[0]!;
      expect(ride).toMatchObject({ scheduled_for: new Date('2026-12-01T11:30:00.000Z'), matching_since: null, quoted_amount: 1_480 });
      expect(ride.request_hash).toBe(hashOf('signed-quote-token-1|2026-12-01T11:30:00.000Z'));
      expect(event).toMatchObject({ type: 'microride.ride.scheduled', data: { riderId, scheduledFor: '2026-12-01T11:30:00.000Z', fare: { amount: 1_480, currency: 'EUR' } } });
    });

    it('accepts 15 minutes to 7 days ahead, and refuses anything else with 422 naming scheduledFor, before verifying the quote', async () => {
      for (const ahead of [15 * 60_000, 7 * 24 * 3_600_000]) {
        const { s, inserted } = stores();
        await handle({ quoteId: 'signed-quote-token-1', scheduledFor: at(ahead), idempotencyKey: undefined }, { userId: riderId }, recordingLog().log, s, now);
        expect(inserted, String(ahead)).toHaveLength(1);
      }
      for (const ahead of [-60_000, 0, 15 * 60_000 - 1, 7 * 24 * 3_600_000 + 1]) {
        let verified = false;
        const { s, inserted } = stores();
        s.verifyQuote = async () => {
          verified = true;
          return quote();
        };
        const p = await problemOf(handle({ quoteId: 'signed-quote-token-1', scheduledFor: at(ahead), idempotencyKey: undefined }, { userId: riderId }, recordingLog().log, s, now));
        expect([p.status, p.extra.errors], String(ahead)).toEqual([422, [{ path: 'scheduledFor', message: 'must be 15 minutes to 7 days ahead; for a ride now, leave it out' }]]);
        expect(inserted).toEqual([]);
        expect(verified).toBe(false);
      }
    });
  });
});
