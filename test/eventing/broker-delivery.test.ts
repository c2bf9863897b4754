/**
 * Dispatcher behaviour on the real RabbitMQ: Knative's retry table, retry count and
 * backoff spacing (measured from arrival timestamps), dead letters with the three
 * knativeerror* extensions, replies re-published to the broker, ordered delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { AMQP_URL, sendBinary, sleep, startSubscriber, testEvent, trigger, uniquePrefix, type Answer, type Received, type Subscriber } from './helpers.js';

const CLOSED_PORT_URL = 'http://127.0.0.1:9'; // discard port: nothing listens, connection refused

const triggers = [
  trigger('linear', { type: 'test.linear' }, { delivery: { retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT0.1S' } }),
  trigger('exponential', { type: 'test.exponential' }, { delivery: { retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.05S' } }),
  trigger('status', { type: 'test.status' }, { delivery: { retry: 2, backoffPolicy: 'linear', backoffDelay: 'PT0.01S' } }),
  trigger('unreachable', { type: 'test.unreachable' }, { delivery: { retry: 1, backoffPolicy: 'linear', backoffDelay: 'PT0.01S' } }),
  trigger('replier', { type: 'test.ask' }),
  trigger('reply-consumer', { type: 'test.answer' }),
  trigger('ordered', { type: 'test.ordered' }, { parallelism: 1 }),
];

// Per-event scripted answers: data.script = list of statuses, one per attempt.
function scripted(r: Received, _nth: number): Answer {
  const data = r.event.data as { script?: number[] } | undefined;
  const attempt = sub.received.filter((x) => x.event.id === r.event.id && x.path === r.path).length;
  const status = data?.script?.[Math.min(attempt, data.script.length) - 1] ?? 202;
  return { status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ status, detail: `scripted ${status}` }) };
}

let sub: Subscriber;
let broker: RunningBroker;

beforeAll(async () => {
  sub = await startSubscriber(async (r, nth) => {
    if (r.path === '/replier') {
      const reply = new CloudEvent({ id: `reply-${r.event.id}`, source: '/microride/replier', type: 'test.answer', subject: r.event.id, data: { answered: true } });
      const m = HTTP.binary(reply);
      return { status: 200, headers: m.headers as Record<string, string>, body: m.body as string };
    }
    if (r.path === '/ordered') {
      await sleep(Math.random() * 10);
      return { status: 202 };
    }
    if (r.path === '/dead-letters' || r.path === '/reply-consumer') return { status: 202 };
    return scripted(r, nth);
  });
  broker = await startBroker({
    amqpUrl: AMQP_URL,
    prefix: uniquePrefix('delivery'),
    port: 0,
    triggers,
    subscriberUrl: (t) => (t.name === 'unreachable' ? CLOSED_PORT_URL : `${sub.url}/${t.name}`),
    deadLetterUrl: `${sub.url}/dead-letters`,
  });
});

afterAll(async () => {
  await broker?.close();
  await broker?.deleteTopology();
  await sub?.close();
});

const attemptsOf = (id: string, path: string) => sub.on(path).filter((r) => r.event.id === id);
const deadLetterOf = async (id: string) => {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const hit = sub.on('/dead-letters').find((r) => r.event.id === id);
    if (hit) return hit;
    await sleep(20);
  }
  throw new Error(`no dead letter for ${id}`);
};
const gaps = (rs: Received[]) => rs.slice(1).map((r, i) => r.at - rs[i]!.at);

describe('retries and backoff', () => {
  it('linear: retry times, waiting delay·n before retry n, then dead-letters', async () => {
    const e = testEvent('test.linear', { script: [503] });
    expect((await sendBinary(broker.url, e)).status).toBe(202);
    const dl = await deadLetterOf(e.id);
    const attempts = attemptsOf(e.id, '/linear');
    expect(attempts).toHaveLength(4); // 1 + retry 3
    const g = gaps(attempts);
    [100, 200, 300].forEach((want, i) => {
      expect(g[i]).toBeGreaterThanOrEqual(want - 5);
      expect(g[i]).toBeLessThan(want + 100);
    });
    expect(dl.headers['ce-knativeerrorcode']).toBe('503');
  });

  it('exponential: waits delay·2ⁿ before retry n', async () => {
    const e = testEvent('test.exponential', { script: [500] });
    expect((await sendBinary(broker.url, e)).status).toBe(202);
    await deadLetterOf(e.id);
    const attempts = attemptsOf(e.id, '/exponential');
    expect(attempts).toHaveLength(4);
    const g = gaps(attempts);
    [100, 200, 400].forEach((want, i) => {
      expect(g[i]).toBeGreaterThanOrEqual(want - 5);
      expect(g[i]).toBeLessThan(want + 100);
    });
  });

  it('retries 404, 408, 409, 429 and 5xx; stops at the first success', async () => {
    for (const status of [404, 408, 409, 429, 500, 502, 503, 504]) {
      const e = testEvent('test.status', { script: [status, 202] });
      expect((await sendBinary(broker.url, e)).status).toBe(202);
      await sub.waitFor(1, 5_000, '/status');
      const deadline = Date.now() + 5_000;
      while (attemptsOf(e.id, '/status').length < 2 && Date.now() < deadline) await sleep(10);
      expect(attemptsOf(e.id, '/status'), `status ${status}`).toHaveLength(2);
    }
    // A marker dead-lettered at once (400 is final), sent after all of them were settled: a
    // dead letter of any of them would have been parked in the same queue before it.
    const marker = testEvent('test.status', { script: [400] });
    expect((await sendBinary(broker.url, marker)).status).toBe(202);
    await deadLetterOf(marker.id);
    expect(sub.on('/dead-letters').filter((r) => r.event.type === 'test.status' && r.event.id !== marker.id)).toHaveLength(0);
  });

  it('does not retry other 4xx: a 400 goes straight to the dead-letter sink with the three extensions', async () => {
    for (const status of [400, 401, 403, 413, 422]) {
      const e = testEvent('test.status', { script: [status] });
      expect((await sendBinary(broker.url, e)).status).toBe(202);
      const dl = await deadLetterOf(e.id);
      expect(attemptsOf(e.id, '/status'), `status ${status}`).toHaveLength(1);
      expect(dl.headers['ce-knativeerrordest']).toBe(`${sub.url}/status`);
      expect(dl.headers['ce-knativeerrorcode']).toBe(String(status));
      const data = Buffer.from(dl.headers['ce-knativeerrordata'] ?? '', 'base64').toString();
      expect(JSON.parse(data)).toEqual({ status, detail: `scripted ${status}` });
      // The original event travels on unchanged.
      expect(dl.event.type).toBe('test.status');
      expect(dl.event.source).toBe(e.source);
      expect(dl.event.data).toEqual({ script: [status] });
    }
  });

  it('retries network errors and dead-letters them as 500 "dispatch error"', async () => {
    const e = testEvent('test.unreachable');
    expect((await sendBinary(broker.url, e)).status).toBe(202);
    const dl = await deadLetterOf(e.id);
    expect(dl.headers['ce-knativeerrordest']).toBe(CLOSED_PORT_URL);
    expect(dl.headers['ce-knativeerrorcode']).toBe('500');
    expect(Buffer.from(dl.headers['ce-knativeerrordata']!, 'base64').toString()).toMatch(/^dispatch error: .*ECONNREFUSED/);
  });
});

describe('replies', () => {
  it('publishes a reply event back to the broker, where its own Trigger picks it up', async () => {
    const ask = testEvent('test.ask');
    expect((await sendBinary(broker.url, ask)).status).toBe(202);
    const [answer] = await sub.waitFor(1, 10_000, '/reply-consumer');
    expect(answer!.event.id).toBe(`reply-${ask.id}`);
    expect(answer!.event.source).toBe('/microride/replier');
    expect(answer!.event.subject).toBe(ask.id);
    expect(answer!.event.data).toEqual({ answered: true });
  });
});

describe('ordering', () => {
  it('parallelism 1 delivers in publish order', async () => {
    const events = Array.from({ length: 30 }, (_, i) => testEvent('test.ordered', { i }));
    for (const e of events) expect((await sendBinary(broker.url, e)).status).toBe(202);
    const got = await sub.waitFor(30, 15_000, '/ordered');
    expect(got.map((r) => (r.event.data as { i: number }).i)).toEqual(events.map((_, i) => i));
  });
});
