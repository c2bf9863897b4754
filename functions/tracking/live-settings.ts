/**
 * Settings of the rider's live view of the driver (live-push.ts, eta.ts). Defaults suit a
 * dense European city; a deployment tunes them per market.
 */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

export const liveSettings = settingsHandle(
  z.object({
    /** Typical door-to-door speed in town, traffic lights included. */
    LIVE_CITY_SPEED_KMH: z.coerce.number().min(1).max(200).default(25),
    /** Road distance ÷ straight-line distance: streets are not straight lines. */
    LIVE_DETOUR_FACTOR: z.coerce.number().min(1).max(3).default(1.3),
    /** Weight of the driver's recent speed against the city speed (0 = city speed only). */
    LIVE_RECENT_SPEED_WEIGHT: z.coerce.number().min(0).max(1).default(0.5),
    /** The speed used is kept within [city × 1/this, city × this]: one ping at a red light or on an empty avenue must not swing the ETA. */
    LIVE_SPEED_BOUND_FACTOR: z.coerce.number().min(1).max(10).default(1.6),
    /** Pushes per ride: at most one per window of this length. */
    LIVE_PUSH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    /** Lifetime of a ride's latest position in Redis: a silent driver's position stops being shown. */
    LIVE_POSITION_TTL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  }),
);

export type LiveSettings = ReturnType<typeof liveSettings>;
