/**
 * `npm run simulate` against the whole local platform (gateway, broker, notifier): a small
 * city at high speed for ~40 s completes rides and meets no error, through the public API
 * and the websocket only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../local/platform.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { closeClients } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { optionsSchema } from '../../simulate/options.js';
import { simulate } from '../../simulate/run.js';
import type { Summary } from '../../simulate/summary.js';

let platform: Platform;

beforeAll(async () => {
  // Forty sign-ins from one address in a few seconds; the login limit is not under test here.
  provideSettings({ LOGIN_RATE_LIMIT: '100000', SCRYPT_LOG_N: '10' });
  platform = await startPlatform({ port: 0, notifier: {} });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await platform?.eventing?.broker.deleteTopology().catch(() => undefined);
  await cleanupStores();
  await closeClients();
}, 60_000);

describe('the simulated city', () => {
  it('completes rides with no errors in 40 s', async () => {
    const notifier = platform.notifier;
    if (!notifier) throw new Error('notifier not started');
    const lines: string[] = [];
    const summary: Summary = await simulate(
      optionsSchema.parse({
        api: platform.url,
        ws: notifier.wsUrl,
        drivers: 20,
        riders: 20,
        minutes: 40 / 60,
        speed: 60,
        startHour: 8,
        pingSeconds: 1.2,
        drainSeconds: 20,
        seed: `test-${process.env.MICRORIDE_TEST_ID}`,
      }),
      { status: { isTTY: false, write: (s) => (lines.push(s), true) } },
    );
    expect(summary.errors).toEqual({ total: 0, byKind: {} });
    expect(summary.rides.requested).toBeGreaterThan(0);
    expect(summary.rides.completed).toBeGreaterThan(0);
    expect(summary.driverSide.pings).toBeGreaterThan(0);
    // Off a terminal the status comes as whole lines, with the figures the brief names.
    expect(lines.some((l) => /^sim \d\d:\d\d \| drivers online 20 \| open requests \d+ \| rides\/min [\d.]+ \| match .* \| pickup wait p50\/p99 .* \| errors 0\n$/.test(l))).toBe(true);
  }, 180_000);
});
