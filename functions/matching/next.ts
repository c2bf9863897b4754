import { eventSpec } from '../runtime/route.js';
import { createEventApp } from '../runtime/events/receive.js';
import { redisDedupe } from '../runtime/events/idempotency.js';
import { recordDecline } from './state.js';
import { runRound, type OfferDecision } from './round.js';

const spec = eventSpec('matching-next');

const decided = (d: OfferDecision) => ({ type: 'microride.matching.offer_decided' as const, subject: d.rideId, data: d });

/**
 * Moves a ride to its next offer round: when the round lapsed (the sweep announced it) or
 * when every driver in it declined. Both may happen for one round; the round number is a
 * compare-and-set in Redis, so only the first advances it.
 */
export default createEventApp(
  spec,
  {
    'microride.ride.offer_expired': async (event, { reply }) => {
      const next = await runRound(event.data.rideId, event.data.round);
      return next ? reply(decided(next)) : undefined;
    },
    'microride.ride.declined': async (event, { reply }) => {
      const round = await recordDecline(event.data.rideId, event.data.driverId);
      if (round <= 0) return undefined; // others in the round may still accept
      const next = await runRound(event.data.rideId, round);
      return next ? reply(decided(next)) : undefined;
    },
  },
  { dedupe: redisDedupe() },
);
