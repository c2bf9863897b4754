/**
 * toEvent: the SDK's parse with its eager error stacks switched off for the call only.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toEvent } from '../../platform/events/to-event.js';

const headers = (over: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': randomUUID(),
  'ce-source': '/test',
  'ce-type': 'microride.ride.accepted',
  ...over,
});

describe('toEvent', () => {
  it('parses a binary-mode event, and leaves Error.stackTraceLimit as it found it', () => {
    const before = Error.stackTraceLimit;
    const e = toEvent<unknown>({ headers: headers(), body: '{"a":1}' });
    expect(Array.isArray(e)).toBe(false);
    expect(e).toMatchObject({ type: 'microride.ride.accepted', source: '/test', data: { a: 1 } });
    expect(Error.stackTraceLimit).toBe(before);
  });

  it('still refuses an invalid event with the SDK message, and restores the limit after throwing', () => {
    const before = Error.stackTraceLimit;
    expect(() => toEvent({ headers: { 'content-type': 'application/json' }, body: '{}' })).toThrow(/no cloud event detected/);
    expect(Error.stackTraceLimit).toBe(before);
    // Errors made elsewhere keep their stacks.
    expect(new Error('x').stack).toMatch(/to-event\.test/);
  });
});
