/**
 * Knative's reply-loop guard, the `knativebrokerttl` extension attribute: how many more
 * times an event may come back into the Broker as a subscriber's reply. The ingress
 * gives events that arrive without it the default (255, as Knative's broker ingress
 * does); a reply carries the TTL of the event it answers minus one; a reply whose TTL
 * would reach 0 is not re-published. So a function that answers every event with one
 * its own Trigger matches runs at most `ttl` times per original event instead of for ever.
 *
 * It guards replies only: an event a function sends itself (K_SINK, the outbox) is a new
 * event and starts again at the default, as in Knative.
 */

export const TTL_ATTRIBUTE = 'knativebrokerttl';

/** What the ingress stamps on an event that arrives without a TTL (Knative's defaultTTL). */
export const DEFAULT_BROKER_TTL = 255;

/** A CloudEvents Integer is a signed 32-bit number. */
const MAX_TTL = 2 ** 31 - 1;
/** Canonical decimal form: no sign, no leading zero, no fraction, no blanks. */
const POSITIVE_INTEGER = /^[1-9]\d*$/;

/** A TTL that is not a positive integer: the ingress answers 400. */
export class InvalidTtlError extends Error {
  constructor(value: unknown) {
    const shown = typeof value === 'string' || typeof value === 'object' ? JSON.stringify(value) : String(value);
    super(`${TTL_ATTRIBUTE} must be a positive integer no larger than ${MAX_TTL} (how many more times the event may come back as a reply); got ${shown}`);
    this.name = 'InvalidTtlError';
  }
}

/**
 * The TTL an event carries: undefined when it has none; InvalidTtlError when the value is
 * not a positive integer. A binary-mode header gives a string, a structured-mode JSON
 * member may give a number; both are accepted.
 */
export function parseTtl(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && POSITIVE_INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TTL) throw new InvalidTtlError(value);
  return n;
}

/** Validates a configured default TTL (BrokerOptions.defaultTtl). */
export function checkDefaultTtl(ttl: number): number {
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) throw new Error(`defaultTtl must be an integer from 1 to ${MAX_TTL} (got ${ttl})`);
  return ttl;
}

/**
 * The TTL of an event a dispatcher took from a queue. Everything published through the
 * ingress has a valid one; a message without one (queued before the TTL existed, or
 * published to the exchange by something else) counts as the default.
 */
export function deliveredTtl(value: unknown, defaultTtl: number): number {
  try {
    return parseTtl(value) ?? defaultTtl;
  } catch {
    return defaultTtl;
  }
}
