/**
 * The reply-loop guard (Knative's knativebrokerttl) on the real RabbitMQ: the ingress
 * stamps the default on events without one, keeps a valid one and refuses a malformed
 * one; a reply carries the TTL of the event it answers minus one, so a function that
 * answers every event with one its own Trigger matches is called `ttl` times and then
 * the loop stops. As in Knative, subscribers never see the attribute.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { pino } from 'pino';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { DEFAULT_BROKER_TTL, parseTtl, TTL_ATTRIBUTE } from '../../eventing/broker/ttl.js';
import { AMQP_URL, sendBinary, sendStructured, sleep, startSubscriber, testEvent, trigger, uniquePrefix, type Subscriber } from './helpers.js';

const LOOP_TTL = 3;

let sub: Subscriber;
/** Default TTL (255): what the ingress stamps and keeps. */
let plain: RunningBroker;
/** defaultTtl 3: a self-triggering replier. */
let looping: RunningBroker;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  sub = await startSubscriber((r) => {
    if (r.path !== '/looper') return { status: 202 };
    // Answers every event with one of the same type, so its own Trigger matches the reply.
    // It even tries to reset the TTL: the broker's value must win.
    const reply = new CloudEvent({ id: randomUUID(), source: '/microride/looper', type: 'test.ttl.loop', subject: r.event.subject ?? '', data: { hop: true }, [TTL_ATTRIBUTE]: '255' });
    const m = HTTP.binary(reply);
    return { status: 200, headers: m.headers as Record<string, string>, body: m.body as string };
  });
  plain = await startBroker({
    amqpUrl: AMQP_URL,
    prefix: uniquePrefix('ttl'),
    port: 0,
    triggers: [trigger('observer', { type: 'test.ttl.plain' })],
    subscriberUrl: (t) => `${sub.url}/${t.name}`,
    deadLetterUrl: `${sub.url}/dead-letters`,
  });
  looping = await startBroker({
    amqpUrl: AMQP_URL,
    prefix: uniquePrefix('ttl-loop'),
    port: 0,
    defaultTtl: LOOP_TTL,
    triggers: [trigger('looper', { type: 'test.ttl.loop' })],
    subscriberUrl: (t) => `${sub.url}/${t.name}`,
    deadLetterUrl: `${sub.url}/dead-letters`,
    log: pino({ level: 'warn' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) }),
  });
});

afterAll(async () => {
  for (const b of [plain, looping]) {
    await b?.close();
    await b?.deleteTopology();
  }
  await sub?.close();
});

const ttlSeen = (path: string, id: string) => sub.on(path).find((r) => r.event.id === id)?.headers[`ce-${TTL_ATTRIBUTE}`];
const waitForEvent = async (path: string, id: string) => {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const hit = sub.on(path).find((r) => r.event.id === id);
    if (hit) return hit;
    await sleep(20);
  }
  throw new Error(`${id} never reached ${path}`);
};

describe('ingress', () => {
  it('keeps the attribute from subscribers, whether the event came with one or was stamped', async () => {
    expect(DEFAULT_BROKER_TTL).toBe(255);
    const bin = testEvent('test.ttl.plain');
    const structured = new CloudEvent<unknown>({ id: randomUUID(), source: '/microride/test', type: 'test.ttl.plain', datacontenttype: 'application/json', data: { n: 2 }, [TTL_ATTRIBUTE]: 12 });
    const withTtl = testEvent('test.ttl.plain', { n: 1 }, { [TTL_ATTRIBUTE]: '7' });
    expect((await sendBinary(plain.url, bin)).status).toBe(202);
    expect((await sendStructured(plain.url, structured)).status).toBe(202);
    expect((await sendBinary(plain.url, withTtl)).status).toBe(202);
    for (const e of [bin, structured, withTtl]) {
      const got = await waitForEvent('/observer', e.id);
      expect(ttlSeen('/observer', e.id)).toBeUndefined();
      expect(got.event[TTL_ATTRIBUTE]).toBeUndefined();
    }
  });

  it('answers 400 with a clear message to a knativebrokerttl that is not a positive integer, and publishes nothing', async () => {
    const refused: string[] = [];
    for (const bad of ['abc', '0', '-1', '1.5', '05', '', '2147483648']) {
      const e = testEvent('test.ttl.plain');
      const m = HTTP.binary(e);
      const headers = { ...(m.headers as Record<string, string>), [`ce-${TTL_ATTRIBUTE}`]: bad };
      const res = await fetch(plain.url, { method: 'POST', headers, body: m.body as string });
      expect(res.status, `ttl ${JSON.stringify(bad)}`).toBe(400);
      const problem = (await res.json()) as { detail: string };
      expect(problem.detail).toContain(`${TTL_ATTRIBUTE} must be a positive integer`);
      refused.push(e.id);
    }
    for (const bad of [0, -3, 2.5, true, { n: 1 }]) {
      const e = new CloudEvent<unknown>({ id: randomUUID(), source: '/microride/test', type: 'test.ttl.plain', data: {}, [TTL_ATTRIBUTE]: bad }, false);
      const res = await sendStructured(plain.url, e);
      expect(res.status, `structured ttl ${JSON.stringify(bad)}`).toBe(400);
      refused.push(e.id);
    }
    // A good event sent after them arrives; none of the refused ones ever does.
    const marker = testEvent('test.ttl.plain');
    expect((await sendBinary(plain.url, marker)).status).toBe(202);
    await waitForEvent('/observer', marker.id);
    // The 400s above already say none was published; the marker, published after them on
    // the same Trigger, shows the observer is receiving.
    expect(sub.on('/observer').filter((r) => refused.includes(r.event.id))).toHaveLength(0);
  });
});

describe('reply loop', () => {
  const loop = async (first: CloudEvent<unknown>) => {
    const subject = first.subject!;
    expect((await sendBinary(looping.url, first)).status).toBe(202);
    const calls = () => sub.on('/looper').filter((r) => r.event.subject === subject);
    // The loop is over once the broker drops a reply of this chain: its warning names the
    // event answered, and no reply published means no further call.
    const stopped = () => logLines.some((l) => String(l.msg).includes('exhausted') && calls().some((c) => c.event.id === l.id));
    const deadline = Date.now() + 10_000;
    while (!stopped() && Date.now() < deadline) await sleep(20);
    expect(stopped(), `the chain of ${subject} was stopped by its TTL`).toBe(true);
    return calls();
  };

  it(`a subscriber whose reply re-triggers it is called exactly defaultTtl (${LOOP_TTL}) times, then the loop stops`, async () => {
    const first = testEvent('test.ttl.loop', { start: true }, { subject: randomUUID() });
    const got = await loop(first);
    expect(got).toHaveLength(LOOP_TTL);
    expect(got[0]!.event.id).toBe(first.id);
    expect(got.slice(1).every((r) => r.event.source === '/microride/looper')).toBe(true);
    // The subscriber tried to reset the TTL on its replies; the broker's count won, and
    // nobody downstream saw the attribute.
    expect(got.every((r) => r.headers[`ce-${TTL_ATTRIBUTE}`] === undefined)).toBe(true);

    // The last event was delivered (and acked) normally; only its reply was dropped, with a warning
    // naming the trigger, the event and the reply's type. Nothing was dead-lettered.
    const last = got[LOOP_TTL - 1]!;
    const warning = logLines.find((l) => l.id === last.event.id);
    expect(warning).toMatchObject({ level: 40, trigger: 'looper', id: last.event.id, type: 'test.ttl.loop', replyType: 'test.ttl.loop' });
    expect(String(warning!.msg)).toMatch(/knativebrokerttl exhausted.*trigger looper/);
    expect(logLines.filter((l) => l.msg !== undefined && String(l.msg).includes('exhausted'))).toHaveLength(1);
    expect(sub.on('/dead-letters')).toHaveLength(0);
  });

  it('an event that arrives with a TTL keeps it: ttl 2 → two calls', async () => {
    const first = testEvent('test.ttl.loop', { start: true }, { subject: randomUUID(), [TTL_ATTRIBUTE]: '2' });
    expect(await loop(first)).toHaveLength(2);
  });
});

describe('parseTtl', () => {
  it('reads positive integers from strings and numbers; undefined when absent; throws otherwise', () => {
    expect(parseTtl(undefined)).toBeUndefined();
    expect(parseTtl('1')).toBe(1);
    expect(parseTtl('255')).toBe(255);
    expect(parseTtl(42)).toBe(42);
    expect(parseTtl('2147483647')).toBe(2 ** 31 - 1);
    for (const bad of ['', '0', '-1', '+1', '1e3', '0x10', '1.0', 'NaN', 0, -1, 1.5, Infinity, NaN, true, {}]) {
      expect(() => parseTtl(bad), JSON.stringify(bad)).toThrow(/knativebrokerttl must be a positive integer/);
    }
  });

  it('startBroker refuses a defaultTtl that is not a positive integer before touching RabbitMQ', async () => {
    await expect(startBroker({ amqpUrl: 'amqp://127.0.0.1:1', prefix: uniquePrefix('ttl-bad'), port: 0, triggers: [], subscriberUrl: () => '', defaultTtl: 0 })).rejects.toThrow(/defaultTtl/);
  });
});
