import { describe, expect, it } from 'vitest';
import { EventDataError, type EventData } from '../../contracts/events.js';
import { handle, type Stores } from './offers.js';
import type { RoundOutcome } from './store.js';
import { recordingLog } from '../test-support.js';
import { driverId, otherDriverId, riderId } from './test-support.js';

const rideId = '55555555-5555-4555-8555-555555555555';
const thirdDriver = '66666666-6666-4666-8666-666666666666';

const decision = (over: Partial<EventData<'microride.matching.offer_decided'>> = {}): EventData<'microride.matching.offer_decided'> => ({
  rideId,
  riderId,
  driverIds: [driverId, otherDriverId, thirdDriver],
  round: 2,
  expiresAt: '2026-12-01T10:00:20.000Z',
  ...over,
});

function stores(outcome: RoundOutcome | undefined) {
  const rounds: Parameters<Stores['recordRound']>[] = [];
  const published: Parameters<Stores['publish']>[0][] = [];
  const s: Stores = {
    recordRound: async (...args) => {
      rounds.push(args);
      return outcome;
    },
    publish: (event) => void published.push(event),
  };
  return { s, rounds, published };
}

describe('rides-offers handle', () => {
  it('records the round and announces ride.offered to the drivers the statement offered, with the rider it found', async () => {
    const { s, rounds, published } = stores({ rider_id: riderId, driver_ids: [otherDriverId, thirdDriver] });
    await handle(decision(), { log: recordingLog().log }, s);

    const [d, head] = rounds[0]!;
    expect(d).toEqual(decision());
    expect(head).toEqual({ type: 'microride.ride.offered', subject: rideId, id: expect.any(String), time: expect.any(String) });
    // The event published is the one the statement queued: same id and time.
    expect(published).toEqual([
      { ...head, data: { rideId, riderId, driverIds: [otherDriverId, thirdDriver], expiresAt: '2026-12-01T10:00:20.000Z', round: 2 } },
    ]);
  });

  it('drops the decision for a ride that moved on, and says so', async () => {
    const { s, published } = stores({ rider_id: null, driver_ids: [] });
    const { log, lines } = recordingLog();
    await handle(decision(), { log }, s);
    expect(published).toEqual([]);
    expect(lines.map((l) => [l.msg, l.round])).toEqual([['offer round for a ride no longer matching; dropped', 2]]);
  });

  it('announces nothing when the round offered nobody new (a redelivery)', async () => {
    const { s, published } = stores({ rider_id: riderId, driver_ids: [] });
    await handle(decision(), { log: recordingLog().log }, s);
    expect(published).toEqual([]);
  });

  it('refuses a round its ride.offered could not carry before writing anything', async () => {
    const { s, rounds } = stores({ rider_id: riderId, driver_ids: [driverId] });
    await expect(handle(decision({ expiresAt: 'tomorrow' }), { log: recordingLog().log }, s)).rejects.toBeInstanceOf(EventDataError);
    expect(rounds).toEqual([]);
  });
});
