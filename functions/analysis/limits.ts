/**
 * analysis' limit: quotes per rider. A quote reads the live index and the surge state and
 * signs a token; a rider compares a few classes and places, not hundreds a minute. Counted
 * in Redis by platform/rate-limit.ts (429 with Retry-After over the limit).
 */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';
import { hitLimits } from '../../platform/rate-limit.js';

export const quoteLimitSettings = settingsHandle(
  z.object({
    /** Quotes one rider may ask for per QUOTE_RATE_WINDOW_SECONDS. */
    QUOTE_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
    QUOTE_RATE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  }),
);

export async function checkQuoteRate(riderId: string): Promise<void> {
  const { QUOTE_RATE_LIMIT: max, QUOTE_RATE_WINDOW_SECONDS: window } = quoteLimitSettings();
  await hitLimits([{ what: 'quotes', detail: 'too many quotes for this rider', setting: 'QUOTE_RATE_LIMIT', key: ['quote', 'user', riderId], max, windowMs: window * 1000 }]);
}
