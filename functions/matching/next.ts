import type { EventData } from '../../contracts/events.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { redisDedupe } from '../../platform/events/idempotency.js';
import { recordDecline } from './state.js';
import { roundStores, runRound, type RoundStores } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-next');

/** Matching's state and the live index in Redis, and the call to rides-offers; fakes in the unit test. */
export interface Stores extends RoundStores {
  recordDecline: typeof recordDecline;
  announceRound: typeof announceRound;
}

export type NextInput =
  | { type: 'microride.ride.offer_expired'; data: EventData<'microride.ride.offer_expired'> }
  | { type: 'microride.ride.declined'; data: EventData<'microride.ride.declined'> };

/**
 * Moves a ride to its next offer round: when the round lapsed (the sweep announced it) or
 * when every driver in it declined. Both may happen for one round; the round number is a
 * compare-and-set in Redis, so only the first advances it. A delivery that fails to hand
 * the round to rides is redelivered and hands over the same round (runRound).
 */
export async function handle(event: NextInput, stores: Stores = { ...roundStores, recordDecline, announceRound }): Promise<void> {
  let round: number;
  if (event.type === 'microride.ride.offer_expired') round = event.data.round;
  else {
    round = await stores.recordDecline(event.data.rideId, event.data.driverId);
    if (round <= 0) return; // others in the round may still accept
  }
  const next = await runRound(event.data.rideId, round, stores);
  if (next) await stores.announceRound(spec, next);
}

export default createEventApp(
  spec,
  {
    'microride.ride.offer_expired': (e) => handle(e),
    'microride.ride.declined': (e) => handle(e),
  },
  { dedupe: redisDedupe() },
);
