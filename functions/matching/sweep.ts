import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { emitEvent } from '../../platform/events/emit.js';
import type { Logger } from '../../platform/logger.js';
import { SEARCH_STALE_MS, dueAgain, rideState, takeDue } from './state.js';
import { runRound } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-sweep');

/**
 * What is due: a round whose offers lapsed is announced (ride.offer_expired; matching-next
 * runs the next round, the notifier tells the drivers); a ride nobody was near is searched
 * again here. Taking a ride off the due set is atomic, so concurrent sweeps split the work.
 */
export async function sweepMatching(log: Logger, now = Date.now()): Promise<{ lapsed: number; searched: number }> {
  let lapsed = 0;
  let searched = 0;
  for (const rideId of await takeDue(now)) {
    const s = await rideState(rideId);
    if (!s?.open) continue;
    try {
      if (s.pending.length > 0) {
        if (s.expiresAt > now) {
          await dueAgain(rideId, s.expiresAt);
          continue;
        }
        // Back on the list first, in case nobody acts on the announcement.
        await dueAgain(rideId, now + SEARCH_STALE_MS);
        await emitEvent(spec, { type: 'microride.ride.offer_expired', subject: rideId, data: { rideId, round: s.round } });
        lapsed++;
      } else {
        const decision = await runRound(rideId, s.round);
        searched++;
        // If rides cannot take it now, the round is offered again when it lapses.
        if (decision) await announceRound(spec, decision);
      }
    } catch (err) {
      // Leave it for the next tick rather than failing the whole sweep.
      log.warn({ rideId, err: (err as Error).message }, 'matching sweep step failed; retrying next tick');
      await dueAgain(rideId, now + 1_000).catch(() => undefined);
    }
  }
  return { lapsed, searched };
}

export default createEventApp(
  spec,
  {
    'microride.matching.tick': async (_event, { log }) => {
      const r = await sweepMatching(log);
      if (r.lapsed + r.searched > 0) log.info(r, 'matching sweep');
    },
  },
  { dedupe: noDedupe() },
);
