/** `npm start`'s eventing: Triggers to /_fn/<name> on the internal listener, K_SINK, scheduled ticks. */
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { findFunction } from '../../contracts/catalog.js';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { clearProvidedSettings, config, resetConfig } from '../../platform/config.js';
import { startLocalEventing } from '../../eventing/local.js';
import { scheduledTypes } from '../../eventing/ticker.js';
import { TICK_SOURCE } from '../../platform/tick.js';
import { startSubscriber } from './helpers.js';

const fn = (name: string, everySeconds?: number): FunctionSpec => ({
  name, service: 'matching', module: `matching/${name}`, kind: 'event', description: '', stores: [], emits: [],
  subscriptions: [{ filter: { type: 'microride.matching.tick' } }],
  ...(everySeconds ? { schedule: { cron: '* * * * *', everySeconds } } : {}),
});

afterAll(() => {
  clearProvidedSettings();
});

describe('local eventing', () => {
  it('one timer per tick type, at the shortest interval asked for', () => {
    expect([...scheduledTypes([fn('a', 5), fn('b', 2), fn('c')])]).toEqual([['microride.matching.tick', 2]]);
  });

  it('delivers scheduled ticks through the broker to /_fn/<function> and points K_SINK at the ingress', async () => {
    const gateway = await startSubscriber();
    process.env.BROKER_PREFIX = `${process.env.BROKER_PREFIX ?? 'test.'}local${Date.now().toString(36)}.`;
    resetConfig();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const local = await startLocalEventing({ internalUrl: gateway.url, port: 0, functions: [fn('ticker', 1), findFunction('eventing-deadletters')], outboxServices: [], log });
    try {
      // Nested parts (local eventing → broker → ingress) each name themselves once: pino
      // appends child bindings, so a repeated key would appear twice in one JSON line.
      expect(lines.some((l) => l.includes('"component":"local-eventing"'))).toBe(true);
      expect(lines.some((l) => l.includes('"component":"broker"'))).toBe(true);
      for (const line of lines) expect(line.split('"component":').length, line).toBeLessThanOrEqual(2);
      expect(config().K_SINK).toBe(local.brokerUrl);
      const [tick] = await gateway.waitFor(1, 5_000, '/_fn/ticker');
      expect(tick!.event.type).toBe('microride.matching.tick');
      expect(tick!.event.source).toBe(TICK_SOURCE);
      expect(tick!.headers.prefer).toBe('reply');
    } finally {
      await local.close();
      await local.broker.deleteTopology();
      await gateway.close();
    }
  });
});
