import { describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { TICK_SOURCE, tickEvent, tickMessage } from './tick.js';
import { parseCloudEvent } from './events/parse.js';

const at = new Date('2030-01-02T03:04:05.000Z');

describe('tickEvent', () => {
  it('is a valid CloudEvent of the given type and id, from the tick source, with empty JSON data', () => {
    const tick = tickEvent('microride.matching.tick', 'tick-p1', at);
    expect(tick).toEqual({
      specversion: '1.0',
      id: 'tick-p1',
      source: TICK_SOURCE,
      type: 'microride.matching.tick',
      subject: 'tick',
      time: '2030-01-02T03:04:05.000Z',
      datacontenttype: 'application/json',
      data: {},
    });
    expect(new CloudEvent<unknown>(tick).validate()).toBe(true);
  });

  it('stamps the current time when none is given', () => {
    const before = Date.now();
    const time = Date.parse(tickEvent('t', 'i').time);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });
});

describe('tickMessage', () => {
  it('is the binary-mode message the SDK would write for the same event', () => {
    const tick = tickEvent('microride.matching.tick', 'tick-p1', at);
    const sdk = HTTP.binary(new CloudEvent<unknown>(tick));
    const ours = tickMessage(tick);
    expect(ours.headers).toEqual(Object.fromEntries(Object.entries(sdk.headers).map(([k, v]) => [k, String(v)])));
    expect(ours.body).toBe(sdk.body);
  });

  it('reads back as the same event the local ticker sends (relay and ticker agree)', () => {
    const tick = tickEvent('microride.rides.tick', 'x-1', at);
    const { headers, body } = tickMessage(tick);
    const received = parseCloudEvent(headers, body);
    const sent = new CloudEvent<unknown>(tick);
    for (const k of ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype'] as const) expect(received[k]).toBe(sent[k]);
    expect(received.data).toEqual(sent.data);
  });
});
