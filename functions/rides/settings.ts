/**
 * The rides service's own knobs. They live here rather than in runtime/config.ts because
 * only rides reads them.
 */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

export const rideSettings = settingsHandle(
  z.object({
    /** Base URL of the tracking service (GET /api/v1/rides/{id}/distance at completion). Unset = quoted distance. */
    TRACKING_URL: z.string().url().optional(),
    TRACKING_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(800),
    /** Free cancellation window for the rider after a driver accepted. */
    CANCEL_GRACE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(120),
    /** Fee (minor units) charged when the rider cancels after the grace or once the driver arrived. */
    CANCEL_FEE_AMOUNT: z.coerce.number().int().min(0).max(100_000).default(500),
    /** A ride nobody accepts within this time becomes `expired` (the sweep enforces it). */
    RIDE_MATCHING_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(120),
    /** A ride booked for later starts matching this long before its pickup time (minutes; fractions allowed). */
    SCHEDULED_MATCH_LEAD_MINUTES: z.coerce.number().min(0).max(24 * 60).default(10),
    /** Upfront pricing (pricing.ts): the quote is charged unless distance or duration differ from it by more than this percent. */
    FARE_DEVIATION_PCT: z.coerce.number().min(0).max(1_000).default(25),
    /** A trip repriced from its measurement pays at most this many times the quote. */
    FARE_CAP_MULTIPLIER: z.coerce.number().min(1).max(10).default(1.5),
    /** Base URL of the drivers service: the driver card at acceptance when the live index holds none (driver-card.ts). */
    DRIVERS_URL: z.string().url().optional(),
    // Longer than tracking's: a completion falls back to the quote, an accept without the card is refused (503).
    DRIVERS_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(2_000),
    /** Wrong pickup codes a ride takes before its start is refused (429) for PICKUP_CODE_LOCKOUT_SECONDS. */
    PICKUP_CODE_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    PICKUP_CODE_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
    /** A shared trip link stops working this long after the ride ended (completed, cancelled, expired). */
    SHARE_AFTER_END_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
    /** The longest a shared trip link can live, whatever the ride does. */
    SHARE_MAX_HOURS: z.coerce.number().int().min(1).max(72).default(12),
    /** Where share links point (`<base>/api/v1/shared/<token>`); unset = the origin the rider called. */
    SHARE_URL_BASE: z.string().url().optional(),
    /** Reads of shared trips per client address per window (the public, unauthenticated endpoint). */
    SHARED_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(120),
    SHARED_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  }),
);
