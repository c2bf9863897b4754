/** The fare-dispute knob (only payments-dispute-open reads it). */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

export const disputeSettings = settingsHandle(
  z.object({
    /** How long after its fare was charged a rider may dispute a ride, in hours (default a week). */
    DISPUTE_WINDOW_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(168),
  }),
);
