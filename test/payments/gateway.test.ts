/** The simulated gateway: deterministic per (idempotency key, attempt), at the configured rate. */
import { afterEach, describe, expect, it } from 'vitest';
import { charge, draw } from '../../functions/payments/gateway.js';
import { provideSettings } from '../../platform/config.js';
import { paymentSettings } from '../../functions/payments/settings.js';

const setEnv = (vars: Record<string, string | undefined>) => provideSettings(vars);

afterEach(() => setEnv({ PAYMENT_SUCCESS_RATE: undefined, PAYMENT_CAPTURE_MODE: undefined }));

describe('simulated gateway', () => {
  it('answers the same for the same key and attempt, and differently across attempts', () => {
    setEnv({ PAYMENT_SUCCESS_RATE: '0.5' });
    const keys = Array.from({ length: 2_000 }, (_, i) => `fare:${i}`);
    const first = keys.map((k) => charge(k, 1).outcome);
    expect(keys.map((k) => charge(k, 1).outcome)).toEqual(first);
    const share = first.filter((o) => o === 'succeeded').length / keys.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    // A retry is a new draw: some failures go through the second time.
    const recovered = keys.filter((k, i) => first[i] === 'failed' && charge(k, 2).outcome === 'succeeded');
    expect(recovered.length).toBeGreaterThan(300);
    expect(draw('fare:1', 1)).toBe(draw('fare:1', 1));
  });

  it('rate 1 always approves, rate 0 always declines, manual mode leaves it pending', () => {
    setEnv({ PAYMENT_SUCCESS_RATE: '1' });
    expect(charge('k', 1).outcome).toBe('succeeded');
    setEnv({ PAYMENT_SUCCESS_RATE: '0' });
    expect(charge('k', 1)).toEqual({ outcome: 'failed', message: 'card declined (simulated gateway)' });
    setEnv({ PAYMENT_CAPTURE_MODE: 'manual' });
    expect(charge('k', 1).outcome).toBe('pending');
  });

  it('refuses a rate outside 0..1 at start-up', () => {
    setEnv({ PAYMENT_SUCCESS_RATE: '1.5' });
    expect(() => paymentSettings()).toThrow(/PAYMENT_SUCCESS_RATE/);
  });
});
