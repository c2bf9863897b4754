import { describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { InvalidCloudEventError, parseCloudEvent } from './parse.js';

const attrs = { id: 'e-1', source: '/test', type: 'microride.ride.accepted', specversion: '1.0' };

const binary = (over: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': 'e-1',
  'ce-source': '/test',
  'ce-type': 'microride.ride.accepted',
  ...over,
});

const structured = (event: object) => ({ headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify(event) });

/** The message of what parseCloudEvent throws, which must be an InvalidCloudEventError. */
function refusal(headers: Record<string, string>, body: string | undefined): string {
  try {
    parseCloudEvent(headers, body);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidCloudEventError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('parseCloudEvent', () => {
  it('parses a binary-mode event with its data', () => {
    const e = parseCloudEvent(binary(), '{"rideId":"r"}');
    expect(e).toBeInstanceOf(CloudEvent);
    expect(e).toMatchObject({ ...attrs, data: { rideId: 'r' } });
  });

  it('parses only the attributes of a binary-mode event when no body is given (or it is empty)', () => {
    expect(parseCloudEvent(binary(), undefined).data).toBeUndefined();
    expect(parseCloudEvent(binary(), '').data).toBeUndefined();
  });

  it('parses a structured-mode event', () => {
    const { headers, body } = structured({ ...attrs, datacontenttype: 'application/json', data: { a: 1 } });
    expect(parseCloudEvent(headers, body)).toMatchObject({ ...attrs, data: { a: 1 } });
  });

  it('reads back what the SDK writes in binary mode, extensions included', () => {
    const sent = new CloudEvent({ ...attrs, subject: 's', microridetick: 'x', data: { n: 1 } });
    const message = HTTP.binary(sent);
    const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, String(v)]));
    const got = parseCloudEvent(headers, message.body as string);
    expect(got).toMatchObject({ ...attrs, subject: 's', microridetick: 'x', data: { n: 1 } });
  });

  it('refuses what is not a CloudEvent, with the reason', () => {
    expect(refusal({ 'content-type': 'application/json' }, '{}')).toMatch(/^not a valid CloudEvent: no cloud event detected/);
  });

  it('refuses an event that fails the spec (validated, not only parsed)', () => {
    const { source: _source, ...noSource } = attrs;
    expect(refusal(structured(noSource).headers, structured(noSource).body)).toMatch(/^not a valid CloudEvent: /);
    expect(refusal(binary({ 'ce-specversion': '1.0', 'ce-source': '' }), undefined)).toMatch(/^not a valid CloudEvent: /);
  });

  it('refuses a structured message without a body', () => {
    expect(refusal({ 'content-type': 'application/cloudevents+json' }, '')).toMatch(/^not a valid CloudEvent: /);
  });

  it('refuses a batch, valid members or not, before parsing it', () => {
    const batch = { 'content-type': 'application/cloudevents-batch+json' };
    const want = 'batched CloudEvents are not accepted; send one event per request';
    expect(refusal(batch, JSON.stringify([attrs, attrs]))).toBe(want);
    expect(refusal(batch, JSON.stringify([{ id: 'x' }]))).toBe(want);
    expect(refusal(batch, '')).toBe(want);
  });
});
