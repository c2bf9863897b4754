/** matching's knobs (only matching reads them). */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

const radii = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'comma-separated metres, e.g. 2000,5000,10000')
  .transform((s) => s.split(',').map(Number))
  .refine((r) => r.every((m, i) => m > 0 && (i === 0 || m > r[i - 1]!)), 'must grow strictly');

export const matchingSettings = settingsHandle(
  z.object({
    /** Search radii tried in turn until someone is found. */
    MATCHING_RADII_METERS: radii.default([2_000, 5_000, 10_000]),
    /** How many of the nearest drivers one round offers the ride to. */
    MATCHING_OFFER_FANOUT: z.coerce.number().int().min(1).max(20).default(3),
    /** How long an offer round stands before the next drivers get it. */
    MATCHING_OFFER_TTL_SECONDS: z.coerce.number().min(0.2).max(600).default(20),
    /** When nobody is around, look again after this long (on the next sweep after it). */
    MATCHING_RETRY_SECONDS: z.coerce.number().min(0.1).max(600).default(5),
    /** Where rides records offer rounds: the rides-offers function (set by the deployment and the local platform). */
    RIDES_OFFERS_URL: z.string().url().optional(),
    /** How long matching waits for rides to record a round before failing its delivery (which the broker retries). */
    MATCHING_ANNOUNCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  }),
);
