/**
 * Hands an offer round to rides, which records it (from then on those drivers may accept)
 * and tells the drivers (ride.offered). A direct call to the rides-offers function rather
 * than a reply through the broker: the round is worth nothing until rides has it, and the
 * reply cost a traversal more (re-publish with its confirm, a delivery): measured, ~3 ms of
 * the ~19 ms from ride.requested to ride.offered at light load (docs/performance.md).
 *
 * Throws when rides did not take it (unreachable, timed out, 5xx). The caller lets that
 * fail its own delivery, the broker redelivers, and the redelivery announces the round
 * again (runRound hands back a round it already recorded); rides records a round once.
 */
import type { EventFunction } from '../../contracts/catalog-types.js';
import { emitEvent, type EventInput, type SendOptions } from '../../platform/events/emit.js';
import { callAuthHeaders } from '../../platform/events/oidc.js';
import type { OfferDecision } from './round.js';
import { matchingSettings } from './settings.js';

export async function announceRound(
  spec: EventFunction,
  decision: OfferDecision,
  send: (spec: EventFunction, input: EventInput<'microride.matching.offer_decided'>, opts: SendOptions) => Promise<unknown> = emitEvent,
): Promise<void> {
  const { RIDES_OFFERS_URL, MATCHING_ANNOUNCE_TIMEOUT_MS } = matchingSettings();
  if (!RIDES_OFFERS_URL) {
    throw new Error('RIDES_OFFERS_URL is not set: matching cannot hand its offer rounds to rides (the deployment points it at the rides-offers function)');
  }
  await send(
    spec,
    { type: 'microride.matching.offer_decided', subject: decision.rideId, data: decision },
    // With EVENT_OIDC on, rides-offers accepts only a token for its audience: the chart
    // projects one for matching's service account (platform/events/oidc.ts).
    { sink: RIDES_OFFERS_URL, timeoutMs: MATCHING_ANNOUNCE_TIMEOUT_MS, headers: callAuthHeaders('rides-offers') },
  );
}
