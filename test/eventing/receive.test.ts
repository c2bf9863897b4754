/**
 * The CloudEvent consumer helper: binary and structured requests, the status codes the
 * broker acts on (2xx / 400 / 409 / 5xx), replies, and idempotency with both stores —
 * including a real duplicate delivery through the broker.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import type { Knex } from 'knex';
import type { EventFunction } from '../../contracts/catalog-types.js';
import { db, closeClients, redis, schemaName } from '../../platform/clients.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import { HttpProblem } from '../../platform/problem.js';
import { listen, type Served } from '../../platform/serve.js';
import { createEventApp, type EventHandlers } from '../../platform/events/receive.js';
import { httpRequest, postEvent, replyOf } from '../../platform/events/http-send.js';
import { postgresDedupe, processedEventsMigration, redisDedupe, type Dedupe } from '../../platform/events/idempotency.js';
import type { FunctionApp } from '../../platform/app.js';
import { startBroker } from '../../eventing/broker/index.js';
import { AMQP_URL, sendBinary, sleep, trigger, uniquePrefix } from './helpers.js';

const SERVICE = 'evreceive';
const spec: EventFunction = {
  name: 'test-consumer',
  service: 'eventing',
  module: 'test/consumer',
  kind: 'event',
  description: 'test consumer',
  stores: ['postgres', 'redis'],
  emits: ['microride.payment.succeeded'],
  subscriptions: [{ filter: { type: 'microride.ride.completed' } }],
};

const rideId = randomUUID();
const completed = (over: Record<string, unknown> = {}) =>
  new CloudEvent({
    id: randomUUID(),
    source: '/microride/rides-complete',
    type: 'microride.ride.completed',
    subject: rideId,
    datacontenttype: 'application/json',
    data: { rideId, riderId: randomUUID(), driverId: randomUUID(), distanceMeters: 5200, durationSeconds: 900, fare: { amount: 1850, currency: 'EUR' }, ...over },
  });

const post = async (app: FunctionApp, event: CloudEvent<unknown>, mode: 'binary' | 'structured' = 'binary'): Promise<Response> => {
  const m = mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event);
  return app.request('/', { method: 'POST', headers: m.headers as Record<string, string>, body: m.body as string });
};

const effects = () => `${schemaName(SERVICE)}.effects`;
const effectCount = async (id: string) => Number(((await db()(effects()).where({ event_id: id }).count({ n: '*' }).first()) as { n: string }).n);

/** A consumer that records one row per handled event, through whatever store dedupes it. */
function recordingApp<X extends object>(dedupe: Dedupe<X>, opts: { fail?: () => Error | undefined; delayMs?: number } = {}): FunctionApp {
  const handlers: EventHandlers<X> = {
    'microride.ride.completed': async (event, ctx) => {
      if (opts.delayMs) await sleep(opts.delayMs);
      const err = opts.fail?.();
      if (err) throw err;
      // With postgresDedupe the effect goes into the same transaction as the processed mark.
      const store: Knex = 'trx' in ctx ? (ctx as { trx: Knex.Transaction }).trx : db();
      await store(effects()).insert({ event_id: event.id, ride_id: event.data.rideId, amount: event.data.fare.amount });
      return ctx.reply({
        type: 'microride.payment.succeeded',
        subject: event.data.rideId,
        data: { paymentId: randomUUID(), rideId: event.data.rideId, riderId: event.data.riderId, driverId: event.data.driverId, kind: 'fare', amount: event.data.fare.amount, currency: 'EUR' },
      });
    },
  };
  return createEventApp(spec, handlers, { dedupe });
}

beforeAll(async () => {
  await migrate(SERVICE, [
    processedEventsMigration('001_processed_events'),
    {
      name: '002_effects',
      up: (k, s) => k.schema.withSchema(s).createTable('effects', (t) => {
        t.increments('n');
        t.text('event_id').notNullable();
        t.uuid('ride_id').notNullable();
        t.integer('amount').notNullable();
      }),
      down: (k, s) => k.schema.withSchema(s).dropTable('effects'),
    },
  ]);
});

afterAll(async () => {
  await dropSchema(SERVICE);
  await closeClients();
});

describe('contract', () => {
  const app = recordingApp(postgresDedupe(SERVICE));

  it('accepts binary and structured mode; validated, typed data reaches the handler', async () => {
    for (const mode of ['binary', 'structured'] as const) {
      const e = completed();
      const res = await post(app, e, mode);
      expect(res.status, mode).toBe(200);
      expect(await effectCount(e.id)).toBe(1);
    }
  });

  it('answers a reply as 200 + a binary-mode CloudEvent from this function', async () => {
    const res = await post(app, completed());
    expect(res.status).toBe(200);
    const headers = Object.fromEntries(res.headers.entries());
    const reply = HTTP.toEvent({ headers, body: await res.text() }) as CloudEvent<{ kind: string }>;
    expect(reply.type).toBe('microride.payment.succeeded');
    expect(reply.source).toBe('/microride/test-consumer');
    expect(reply.subject).toBe(rideId);
    expect(reply.data?.kind).toBe('fare');
    expect(headers['ce-id']).toBeDefined();
  });

  it('served on Node: reads the headers node:http parsed, in binary and structured mode', async () => {
    const served = await listen(app.fetch, 0, '127.0.0.1');
    try {
      const viaBinary = completed().cloneWith({ region: 'north' }, false);
      const res = await postEvent(served.url, viaBinary, { timeoutMs: 5_000 });
      expect(res.status).toBe(200);
      expect(replyOf(res)?.type).toBe('microride.payment.succeeded');
      expect(await effectCount(viaBinary.id)).toBe(1);

      const viaStructured = completed();
      const m = HTTP.structured(viaStructured);
      const s = await httpRequest('POST', served.url, m.headers as Record<string, string>, m.body as string, { timeoutMs: 5_000 });
      expect(s.status).toBe(200);
      expect(await effectCount(viaStructured.id)).toBe(1);

      // Not a CloudEvent over the wire either: 400, as through app.request.
      const bad = await httpRequest('POST', served.url, { 'content-type': 'application/json', 'ce-id': '1', 'ce-specversion': '1.0' }, '{}', { timeoutMs: 5_000 });
      expect(bad.status).toBe(400);
    } finally {
      await served.close();
    }
  });

  it('400 for a request that is not a valid CloudEvent', async () => {
    const res = await app.request('/', { method: 'POST', headers: { 'content-type': 'application/json', 'ce-id': '1', 'ce-specversion': '1.0' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('413 for an event larger than MAX_BODY_BYTES (declared length or chunked)', async () => {
    const big = completed({ note: 'x'.repeat(70_000) });
    const m = HTTP.binary(big);
    const body = m.body as string;
    const headers = m.headers as Record<string, string>;
    const declared = await app.request('/', { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { detail: string }).detail).toMatch(/event larger than/);
    const chunked = await app.request('/', { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' }, body });
    expect(chunked.status).toBe(413);
    expect(await effectCount(big.id)).toBe(0);
  });

  it('400 for a type the function does not handle', async () => {
    const e = new CloudEvent({ source: '/x', type: 'microride.ride.rated', data: {} });
    expect((await post(app, e)).status).toBe(400);
  });

  it('400 with field errors when data fails the catalog schema', async () => {
    const res = await post(app, completed({ fare: { amount: -5, currency: 'euro' } }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(['fare.amount', 'fare.currency']);
  });

  it('5xx when the handler throws (retried by the broker); the status of an HttpProblem otherwise', async () => {
    let error: Error | undefined = new Error('boom');
    const failing = recordingApp(postgresDedupe(SERVICE), { fail: () => error });
    const e = completed();
    expect((await post(failing, e)).status).toBe(500);
    expect(await effectCount(e.id)).toBe(0);
    error = new HttpProblem(409, 'not yet');
    expect((await post(failing, e)).status).toBe(409);
    // The failed attempts left no processed mark: the redelivery is handled.
    error = undefined;
    expect((await post(failing, e)).status).toBe(200);
    expect(await effectCount(e.id)).toBe(1);
  });
});

describe('idempotency', () => {
  it('PostgreSQL: a redelivery has no second effect and gets the same reply', async () => {
    const app = recordingApp(postgresDedupe(SERVICE));
    const e = completed();
    const first = await post(app, e);
    const second = await post(app, e, 'structured');
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('ce-id')).toBe(first.headers.get('ce-id'));
    expect(await effectCount(e.id)).toBe(1);
  });

  it('PostgreSQL: concurrent deliveries of one event apply it once', async () => {
    const app = recordingApp(postgresDedupe(SERVICE), { delayMs: 50 });
    const e = completed();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => post(app, e).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(await effectCount(e.id)).toBe(1);
  });

  it('Redis: a redelivery has no second effect; a concurrent one is told 409 (retry later)', async () => {
    const app = recordingApp(redisDedupe({ ttlSeconds: 60 }), { delayMs: 100 });
    const e = completed();
    const [a, b] = await Promise.all([post(app, e), sleep(20).then(() => post(app, e))]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(409);
    const again = await post(app, e);
    expect(again.status).toBe(200);
    expect(again.headers.get('ce-id')).toBe(a.headers.get('ce-id'));
    expect(await effectCount(e.id)).toBe(1);
  });

  it('Redis: a failed attempt releases the claim', async () => {
    let fail = true;
    const app = recordingApp(redisDedupe({ ttlSeconds: 60 }), { fail: () => (fail ? new Error('transient') : undefined) });
    const e = completed();
    expect((await post(app, e)).status).toBe(500);
    fail = false;
    expect((await post(app, e)).status).toBe(200);
    expect(await effectCount(e.id)).toBe(1);
    expect(await redis().ttl(`${process.env.REDIS_PREFIX}processed:${e.source}:${e.id}`)).toBeGreaterThan(0);
  });

  it('through the broker: the same event published twice is delivered twice and applied once', async () => {
    const app = recordingApp(postgresDedupe(SERVICE));
    let deliveries = 0;
    const served: Served = await listen((req) => {
      deliveries++;
      return app.fetch(req);
    }, 0, '127.0.0.1');
    const broker = await startBroker({
      amqpUrl: AMQP_URL,
      prefix: uniquePrefix('dup'),
      port: 0,
      triggers: [trigger('consumer', { type: 'microride.ride.completed' })],
      subscriberUrl: () => served.url,
    });
    try {
      const e = completed();
      expect((await sendBinary(broker.url, e)).status).toBe(202);
      expect((await sendBinary(broker.url, e)).status).toBe(202);
      const deadline = Date.now() + 10_000;
      while (deliveries < 2 && Date.now() < deadline) await sleep(20);
      await sleep(100); // the second handler run commits (or not) after its request arrived
      expect(deliveries).toBe(2);
      expect(await effectCount(e.id)).toBe(1);
    } finally {
      await broker.close();
      await broker.deleteTopology();
      await served.close();
    }
  });
});
