import type { EventFunction } from '../../contracts/catalog-types.js';
import { eventSpec } from '../../platform/route.js';
import { createEventApp } from '../../platform/events/receive.js';
import { noDedupe } from '../../platform/events/idempotency.js';
import { emitEvent, type EventInput } from '../../platform/events/emit.js';
import type { Logger } from '../../platform/logger.js';
import { SEARCH_STALE_MS, dueAgain, takeDue } from './state.js';
import { roundStores, runRound, type RoundStores } from './round.js';
import { announceRound } from './announce.js';

const spec = eventSpec('matching-sweep');

/** Matching's state and the live index in Redis, the broker, and the call to rides-offers; fakes in the unit test. */
export interface Stores extends RoundStores {
  takeDue: typeof takeDue;
  dueAgain: typeof dueAgain;
  /** Publishes through the broker (K_SINK). */
  emitEvent(spec: EventFunction, input: EventInput<'microride.ride.offer_expired'>): Promise<unknown>;
  announceRound: typeof announceRound;
}

/**
 * What is due: a round whose offers lapsed is announced (ride.offer_expired; matching-next
 * runs the next round, the notifier tells the drivers); a ride nobody was near is searched
 * again here. Taking a ride off the due set is atomic, so concurrent sweeps split the work.
 */
export async function handle(
  ctx: { log: Logger; now?: number },
  stores: Stores = { ...roundStores, takeDue, dueAgain, emitEvent, announceRound },
): Promise<{ lapsed: number; searched: number }> {
  const { log, now = Date.now() } = ctx;
  let lapsed = 0;
  let searched = 0;
  for (const rideId of await stores.takeDue(now)) {
    const s = await stores.rideState(rideId);
    if (!s?.open) continue;
    try {
      if (s.pending.length > 0) {
        if (s.expiresAt > now) {
          await stores.dueAgain(rideId, s.expiresAt);
          continue;
        }
        // Back on the list first, in case nobody acts on the announcement.
        await stores.dueAgain(rideId, now + SEARCH_STALE_MS);
        await stores.emitEvent(spec, { type: 'microride.ride.offer_expired', subject: rideId, data: { rideId, round: s.round } });
        lapsed++;
      } else {
        const decision = await runRound(rideId, s.round, stores);
        searched++;
        // If rides cannot take it now, the round is offered again when it lapses.
        if (decision) await stores.announceRound(spec, decision);
      }
    } catch (err) {
      // Leave it for the next tick rather than failing the whole sweep.
      log.warn({ rideId, err: (err as Error).message }, 'matching sweep step failed; retrying next tick');
      await stores.dueAgain(rideId, now + 1_000).catch(() => undefined);
    }
  }
  if (lapsed + searched > 0) log.info({ lapsed, searched }, 'matching sweep');
  return { lapsed, searched };
}

export default createEventApp(
  spec,
  {
    'microride.matching.tick': async (_event, ctx) => {
      await handle(ctx);
    },
  },
  { dedupe: noDedupe() },
);
