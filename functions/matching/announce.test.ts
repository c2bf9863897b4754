import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import type { EventInput, SendOptions } from '../../platform/events/emit.js';
import { eventSpec } from '../../platform/route.js';
import { announceRound } from './announce.js';
import type { OfferDecision } from './round.js';

const spec = eventSpec('matching-next');
const decision: OfferDecision = { rideId: 'ride-1', riderId: 'rider-1', driverIds: ['a', 'b'], round: 2, expiresAt: '2026-03-02T08:00:20.000Z' };

function recorder() {
  const sent: { from: string; input: EventInput<'microride.matching.offer_decided'>; opts: SendOptions }[] = [];
  const send = async (s: { name: string }, input: EventInput<'microride.matching.offer_decided'>, opts: SendOptions) => {
    sent.push({ from: s.name, input, opts });
  };
  return { sent, send };
}

describe('announceRound (the direct call to rides-offers)', () => {
  afterEach(() => provideSettings({ RIDES_OFFERS_URL: undefined, MATCHING_ANNOUNCE_TIMEOUT_MS: undefined }));

  it('posts matching.offer_decided about the ride to RIDES_OFFERS_URL, waiting at most the announce timeout', async () => {
    provideSettings({ RIDES_OFFERS_URL: 'http://rides-offers.microride.svc/', MATCHING_ANNOUNCE_TIMEOUT_MS: '1500' });
    const r = recorder();
    await announceRound(spec, decision, r.send);
    expect(r.sent).toEqual([
      {
        from: 'matching-next',
        input: { type: 'microride.matching.offer_decided', subject: 'ride-1', data: decision },
        opts: { sink: 'http://rides-offers.microride.svc/', timeoutMs: 1500 },
      },
    ]);
  });

  it('with EVENT_OIDC on, sends the token for rides-offers\' audience from EVENT_OIDC_CALL_TOKEN_DIR (re-read: tokens rotate)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'call-tokens-'));
    try {
      writeFileSync(join(dir, 'rides-offers'), 'token-one\n');
      provideSettings({ RIDES_OFFERS_URL: 'http://rides-offers.microride.svc/', EVENT_OIDC: 'on', EVENT_OIDC_CALL_TOKEN_DIR: dir });
      const r = recorder();
      await announceRound(spec, decision, r.send);
      writeFileSync(join(dir, 'rides-offers'), 'token-two');
      await announceRound(spec, decision, r.send);
      expect(r.sent.map((s) => s.opts.headers)).toEqual([{ authorization: 'Bearer token-one' }, { authorization: 'Bearer token-two' }]);
    } finally {
      provideSettings({ EVENT_OIDC: undefined, EVENT_OIDC_CALL_TOKEN_DIR: undefined });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to run without RIDES_OFFERS_URL, naming the setting', async () => {
    provideSettings({ RIDES_OFFERS_URL: undefined });
    const r = recorder();
    await expect(announceRound(spec, decision, r.send)).rejects.toThrow(/RIDES_OFFERS_URL is not set/);
    expect(r.sent).toEqual([]);
  });

  it('fails when rides does not take the round, so the delivery is retried', async () => {
    provideSettings({ RIDES_OFFERS_URL: 'http://rides-offers.microride.svc/' });
    const refuse = async () => {
      throw new Error('http://rides-offers.microride.svc/ answered 503');
    };
    await expect(announceRound(spec, decision, refuse)).rejects.toThrow('503');
  });
});
