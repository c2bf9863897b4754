/**
 * Knative's delivery rules: which answers are retried, and how long to wait before the
 * n-th retry (DeliverySpec: retry, backoffPolicy, backoffDelay as ISO-8601).
 */
import type { Delivery } from '../../contracts/catalog-types.js';

/** What a delivery attempt ended with: an HTTP status, or no answer at all. */
export type AttemptResult = { status: number } | { networkError: Error };

/**
 * Knative's SelectiveRetry: network errors, 404 (a pod becoming ready), 408, 409, 429
 * and every 5xx are retried; any other non-2xx is final.
 */
export function isRetryable(result: AttemptResult): boolean {
  if ('networkError' in result) return true;
  const s = result.status;
  return s >= 500 || s === 404 || s === 408 || s === 409 || s === 429;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Wait before retry number `n` (1 = first retry): linear = delay·n,
 * exponential = delay·2ⁿ, as documented for Knative's DeliverySpec.
 */
export function backoffMs(policy: Delivery['backoffPolicy'], delayMs: number, n: number): number {
  return policy === 'linear' ? delayMs * n : delayMs * 2 ** n;
}

const DURATION =
  /^P(?!$)(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?=\d)(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

// Years and months have no fixed length; like Knative (period.DurationApprox) we approximate.
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000] as const;

/** ISO-8601 duration (e.g. PT0.2S, PT1M30S, P1D) → milliseconds; throws on anything else. */
export function parseIsoDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`"${text}" is not an ISO-8601 duration (e.g. PT0.2S)`);
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part.replace(',', '.')) * UNIT_MS[i]!;
  }
  return Math.round(ms);
}

export interface RetryPolicy {
  retry: number;
  policy: Delivery['backoffPolicy'];
  delayMs: number;
}

export function retryPolicyOf(delivery: Delivery): RetryPolicy {
  if (!Number.isInteger(delivery.retry) || delivery.retry < 0) throw new Error(`delivery.retry must be a non-negative integer (got ${delivery.retry})`);
  return { retry: delivery.retry, policy: delivery.backoffPolicy, delayMs: parseIsoDuration(delivery.backoffDelay) };
}
