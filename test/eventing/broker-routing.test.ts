/**
 * The local broker on the real RabbitMQ: ingress contract, Trigger filtering on
 * attributes (one, several, overlapping Triggers) and binary delivery with Prefer: reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { AMQP_URL, sendBinary, sendStructured, sleep, startSubscriber, testEvent, trigger, uniquePrefix, type Subscriber } from './helpers.js';

const triggers = [
  trigger('by-type', { type: 'test.alpha' }),
  trigger('by-type-and-subject', { type: 'test.alpha', subject: 'ride-1' }),
  trigger('by-extension', { type: 'test.beta', region: 'north' }),
  trigger('everything', {}),
];

let sub: Subscriber;
let broker: RunningBroker;

beforeAll(async () => {
  sub = await startSubscriber();
  broker = await startBroker({
    amqpUrl: AMQP_URL,
    prefix: uniquePrefix('routing'),
    port: 0,
    triggers,
    subscriberUrl: (t) => `${sub.url}/${t.name}`,
    deadLetterUrl: `${sub.url}/dead-letters`,
  });
});

afterAll(async () => {
  await broker?.close();
  await broker?.deleteTopology();
  await sub?.close();
});

const idsOn = (path: string) => sub.on(path).map((r) => r.event.id);

describe('ingress', () => {
  it('answers 202 once the event is confirmed, in binary and structured mode', async () => {
    expect((await sendBinary(broker.url, testEvent('test.gamma'))).status).toBe(202);
    expect((await sendStructured(broker.url, testEvent('test.gamma'))).status).toBe(202);
  });

  it('answers 400 to a request that is not a valid CloudEvent', async () => {
    const noSource = await fetch(broker.url, { method: 'POST', headers: { 'ce-id': '1', 'ce-specversion': '1.0', 'ce-type': 't', 'content-type': 'application/json' }, body: '{}' });
    expect(noSource.status).toBe(400);
    const notAnEvent = await fetch(broker.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":1}' });
    expect(notAnEvent.status).toBe(400);
    const badStructured = await fetch(broker.url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: '{"specversion":"1.0","id":"1"}' });
    expect(badStructured.status).toBe(400);
    const batch = await fetch(broker.url, { method: 'POST', headers: { 'content-type': 'application/cloudevents-batch+json' }, body: '[]' });
    expect(batch.status).toBe(400);
  });

  it('answers 500 when RabbitMQ nacks the message (a full queue that rejects publishes)', async () => {
    const conn = await connect(AMQP_URL);
    const ch = await conn.createChannel();
    const q = `${broker.names.exchange}.full`;
    try {
      await ch.assertQueue(q, { durable: false, arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
      await ch.bindQueue(q, broker.names.exchange, '', { type: 'test.nack', 'x-match': 'all' });
      expect((await sendBinary(broker.url, testEvent('test.nack'))).status).toBe(500);
      expect((await sendBinary(broker.url, testEvent('test.gamma'))).status).toBe(202);
    } finally {
      await ch.deleteQueue(q);
      await conn.close();
    }
  });

  it('accepts POST / only', async () => {
    expect((await fetch(broker.url)).status).toBe(405);
    expect((await fetch(`${broker.url}/other`, { method: 'POST' })).status).toBe(404);
  });
});

describe('filtering and delivery', () => {
  it('routes on exact attributes, on several attributes, and to every Trigger that matches', async () => {
    const plain = testEvent('test.alpha', { n: 1 }, { subject: 'ride-2' });
    const both = testEvent('test.alpha', { n: 2 }, { subject: 'ride-1' });
    const ext = testEvent('test.beta', { n: 3 }, { region: 'north' });
    const extOther = testEvent('test.beta', { n: 4 }, { region: 'south' });
    for (const e of [plain, both, ext, extOther]) expect((await sendBinary(broker.url, e)).status).toBe(202);

    await sub.waitFor(2, 10_000, '/by-type');
    await sub.waitFor(1, 10_000, '/by-type-and-subject');
    await sub.waitFor(1, 10_000, '/by-extension');
    await sub.waitFor(4, 10_000, '/everything');
    await sleep(300); // nothing else may trickle in

    expect(idsOn('/by-type').sort()).toEqual([plain.id, both.id].sort());
    expect(idsOn('/by-type-and-subject')).toEqual([both.id]);
    expect(idsOn('/by-extension')).toEqual([ext.id]);
    expect(idsOn('/everything')).toEqual(expect.arrayContaining([plain.id, both.id, ext.id, extOther.id]));
  });

  it('delivers in binary mode with Prefer: reply, whatever mode the event came in', async () => {
    const viaStructured = testEvent('test.beta', { hello: 'structured' }, { region: 'north', subject: 's-1' });
    expect((await sendStructured(broker.url, viaStructured)).status).toBe(202);
    const [got] = (await sub.waitFor(2, 10_000, '/by-extension')).filter((r) => r.event.id === viaStructured.id);
    expect(got).toBeDefined();
    expect(got!.headers.prefer).toBe('reply');
    expect(got!.headers['ce-id']).toBe(viaStructured.id);
    expect(got!.headers['ce-source']).toBe('/microride/test');
    expect(got!.headers['ce-type']).toBe('test.beta');
    expect(got!.headers['ce-subject']).toBe('s-1');
    expect(got!.headers['ce-region']).toBe('north');
    expect(got!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(got!.body.toString())).toEqual({ hello: 'structured' });
  });
});
