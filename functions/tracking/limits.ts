/**
 * tracking's limit: location pings per driver at most one per LOCATION_MIN_INTERVAL_MS.
 *
 * A faster ping is answered 429 with Retry-After and is not stored, rather than 202 and
 * silently dropped: 202 would tell the app its position was recorded when it was not, and
 * an app that is never told keeps pinging too fast for ever. The refusal is cheap (one
 * Redis round trip, before the live index, MongoDB and the trace are touched), and an app
 * that pings every few seconds (the intended rate) never sees it.
 */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';
import { hitLimits } from '../../platform/rate-limit.js';

export const locationLimitSettings = settingsHandle(
  z.object({
    /** Minimum time between two accepted pings of one driver; 0 turns the limit off. */
    LOCATION_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
    /**
     * How much earlier than the interval a ping may come and still be taken. A phone that
     * pings on a 1 s timer delivers some pings a few ms early (timers, radio, queues): with
     * no allowance half of them would be refused, and the live view would stutter. The
     * sustained rate stays bounded (1 per interval − allowance); a runaway client is refused.
     */
    LOCATION_INTERVAL_JITTER_MS: z.coerce.number().int().min(0).max(60_000).default(150),
  }),
);

/** The window one accepted ping opens: the interval minus the jitter allowance (never below 1 ms); 0 when the limit is off. */
export const pingWindowMs = (s: { LOCATION_MIN_INTERVAL_MS: number; LOCATION_INTERVAL_JITTER_MS: number }): number =>
  s.LOCATION_MIN_INTERVAL_MS === 0 ? 0 : Math.max(1, s.LOCATION_MIN_INTERVAL_MS - s.LOCATION_INTERVAL_JITTER_MS);

export async function checkPingInterval(driverId: string): Promise<void> {
  const settings = locationLimitSettings();
  const ms = settings.LOCATION_MIN_INTERVAL_MS;
  // One hit per window: accepted pings are at least the window apart (platform/rate-limit.ts).
  await hitLimits([{ what: 'location pings', detail: `location pings less than ${ms} ms apart`, setting: 'LOCATION_MIN_INTERVAL_MS', key: ['location', 'driver', driverId], max: 1, windowMs: pingWindowMs(settings) }]);
}
