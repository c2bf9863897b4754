/**
 * The payment gateway is SIMULATED, openly: no card network is called and no money moves.
 * An attempt's outcome is a pure function of (idempotency key, attempt number) and the
 * configured success rate, so a test or a replay sees the same answers every time; in
 * manual mode attempts stay pending until someone settles them with the simulate endpoint.
 *
 * A real gateway would be called outside the database transaction with the idempotency
 * key (and the attempt recorded as pending first); this one has no side effects, so its
 * answer is recorded in the same transaction as the payment row and its event.
 */
import { createHash } from 'node:crypto';
import { paymentSettings, type PaymentSettings } from './settings.js';

export type AttemptOutcome = 'succeeded' | 'failed' | 'pending';

export interface GatewayAnswer {
  outcome: AttemptOutcome;
  message: string;
}

/** A number in [0, 1) fixed by the key and the attempt. */
export function draw(idempotencyKey: string, attempt: number): number {
  const h = createHash('sha256').update(`${idempotencyKey}#${attempt}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/** An attempt at the simulated gateway: what chargeOnce and attempt are given (`charge` by default). */
export type Gateway = (idempotencyKey: string, attempt: number) => GatewayAnswer;

/** The simulated gateway's answer; the settings are payments' own unless a unit test fixes them. */
export function charge(
  idempotencyKey: string,
  attempt: number,
  settings: Pick<PaymentSettings, 'PAYMENT_SUCCESS_RATE' | 'PAYMENT_CAPTURE_MODE'> = paymentSettings(),
): GatewayAnswer {
  const { PAYMENT_SUCCESS_RATE, PAYMENT_CAPTURE_MODE } = settings;
  if (PAYMENT_CAPTURE_MODE === 'manual') return { outcome: 'pending', message: 'awaiting a simulated outcome (manual mode)' };
  return draw(idempotencyKey, attempt) < PAYMENT_SUCCESS_RATE
    ? { outcome: 'succeeded', message: 'approved (simulated gateway)' }
    : { outcome: 'failed', message: 'card declined (simulated gateway)' };
}
