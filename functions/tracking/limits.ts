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
  }),
);

export async function checkPingInterval(driverId: string): Promise<void> {
  const { LOCATION_MIN_INTERVAL_MS: ms } = locationLimitSettings();
  // One hit per window of `ms`: accepted pings are at least `ms` apart (platform/rate-limit.ts).
  await hitLimits([{ what: 'location pings', detail: `location pings less than ${ms} ms apart`, setting: 'LOCATION_MIN_INTERVAL_MS', key: ['location', 'driver', driverId], max: 1, windowMs: ms }]);
}
