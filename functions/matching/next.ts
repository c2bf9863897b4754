import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { redisDedupe } from '../../platform/events/idempotency.js';
import { recordDecline } from './state.js';
import { runRound } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-next');

/**
 * Moves a ride to its next offer round: when the round lapsed (the sweep announced it) or
 * when every driver in it declined. Both may happen for one round; the round number is a
 * compare-and-set in Redis, so only the first advances it. A delivery that fails to hand
 * the round to rides is redelivered and hands over the same round (runRound).
 */
export default createEventApp(
  spec,
  {
    'microride.ride.offer_expired': async (event) => {
      const next = await runRound(event.data.rideId, event.data.round);
      if (next) await announceRound(spec, next);
      return undefined;
    },
    'microride.ride.declined': async (event) => {
      const round = await recordDecline(event.data.rideId, event.data.driverId);
      if (round <= 0) return undefined; // others in the round may still accept
      const next = await runRound(event.data.rideId, round);
      if (next) await announceRound(spec, next);
      return undefined;
    },
  },
  { dedupe: redisDedupe() },
);
