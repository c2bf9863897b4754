/** payments' knobs (only payments reads them). The gateway is simulated; these say how. */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

export const paymentSettings = settingsHandle(
  z.object({
    /** Share of simulated charge attempts that succeed (deterministic per idempotency key and attempt). */
    PAYMENT_SUCCESS_RATE: z.coerce.number().min(0).max(1).default(1),
    /**
     * auto: the simulated gateway answers at once (by PAYMENT_SUCCESS_RATE);
     * manual: every attempt stays pending until POST /api/v1/payments/{id}/simulate settles it.
     */
    PAYMENT_CAPTURE_MODE: z.enum(['auto', 'manual']).default('auto'),
  }),
);

export type PaymentSettings = ReturnType<typeof paymentSettings>;
