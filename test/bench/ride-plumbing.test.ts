import { describe, expect, it } from 'vitest';
import { allTriggers } from '../../contracts/triggers.js';
import { RIDE_EVENTS, ridePlumbing } from '../../bench/ride-plumbing.js';

describe('ridePlumbing (the floor benchmark’s counts per ride)', () => {
  it('counts one delivery per Trigger an event of the ride matches, and one HTTP exchange per publish, delivery and call', () => {
    const p = ridePlumbing();
    const deliveries = RIDE_EVENTS.reduce((n, type) => n + allTriggers().filter((t) => t.filter.type === type).length, 0);
    expect(p.deliveries).toBe(deliveries);
    expect(p.publishes).toBe(RIDE_EVENTS.length);
    // 6 API calls, matching's handover to rides-offers and the distance lookup on top of
    // every publish and delivery.
    expect(p.httpExchanges).toBe(8 + p.publishes + p.deliveries);
    expect(RIDE_EVENTS).not.toContain('microride.matching.offer_decided'); // not through the broker
    // The timeline takes every ride event but the payment, plus the distance read.
    expect(p.mongoOps).toBe(RIDE_EVENTS.length - 1 + 1);
    expect([p.publishes, p.deliveries]).toEqual([7, 18]);
    expect(p.explain).toContain(`${p.httpExchanges} HTTP exchanges`);
  });

  it('every event of the happy path reaches the notifier or a function', () => {
    for (const type of RIDE_EVENTS) expect(allTriggers().some((t) => t.filter.type === type), type).toBe(true);
  });
});
