/**
 * The event catalog, the Trigger definitions derived from the function catalog, the
 * Knative YAML rendered from them, and Knative's retry rules (pure, no services).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { catalog, defaultDelivery } from '../../contracts/catalog.js';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { consumersOf, EventDataError, eventTypes, isEventType, parseEventData, producersOf, safeParseEventData, type EventDataInput, type EventType } from '../../contracts/events.js';
import { DEAD_LETTER_FUNCTION, triggersFromCatalog } from '../../contracts/triggers.js';
import { brokerManifests, triggerManifest } from '../../eventing/manifests.js';
import { renderAll } from '../../scripts/generate.js';
import { root } from '../../scripts/deploy/model.js';
import { backoffMs, isRetryable, parseIsoDuration } from '../../eventing/broker/retry.js';

// any: assertions walk parsed YAML / manifests of no static shape.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const u = () => randomUUID();
const now = new Date().toISOString();
const money = { amount: 1250, currency: 'EUR' };
const payment = { paymentId: u(), rideId: u(), riderId: u(), driverId: u(), kind: 'fare', amount: 1250, currency: 'EUR' } as const;

/** One valid example per event type: the schemas must accept what producers will send. */
const samples: { [T in EventType]: EventDataInput<T> } = {
  'microride.user.registered': { userId: u(), role: 'rider', email: 'ann@example.com' },
  'microride.driver.registered': { driverId: u(), userId: u(), vehicleClass: 'economy' },
  'microride.driver.availability_changed': { driverId: u(), userId: u(), status: 'online', vehicleClass: 'xl' },
  'microride.ride.requested': { rideId: u(), riderId: u(), pickup: { lat: 52.5, lon: 13.4 }, dropoff: { lat: 52.52, lon: 13.41 }, vehicleClass: 'comfort', fare: money, requestedAt: now },
  'microride.ride.scheduled': { rideId: u(), riderId: u(), pickup: { lat: 52.5, lon: 13.4 }, dropoff: { lat: 52.52, lon: 13.41 }, vehicleClass: 'economy', fare: money, scheduledFor: now },
  'microride.ride.offered': { rideId: u(), riderId: u(), driverIds: [u(), u()], expiresAt: now, round: 1 },
  'microride.ride.offer_expired': { rideId: u(), round: 2 },
  'microride.ride.accepted': { rideId: u(), riderId: u(), driverId: u(), acceptedAt: now },
  'microride.ride.declined': { rideId: u(), driverId: u() },
  'microride.ride.driver_arrived': { rideId: u(), riderId: u(), driverId: u() },
  'microride.ride.started': { rideId: u(), riderId: u(), driverId: u() },
  'microride.ride.completed': { rideId: u(), riderId: u(), driverId: u(), distanceMeters: 4200, durationSeconds: 780, fare: money },
  'microride.ride.cancelled': { rideId: u(), riderId: u(), driverId: null, by: 'rider', reason: 'changed my mind', fee: null },
  'microride.ride.rematching': { rideId: u(), riderId: u(), driverId: u(), from: 'arrived', reason: 'flat tyre', pickup: { lat: 52.5, lon: 13.4 }, vehicleClass: 'xl' },
  'microride.ride.expired': { rideId: u(), riderId: u() },
  'microride.ride.rated': { rideId: u(), riderId: u(), driverId: u(), stars: 5 },
  'microride.payment.succeeded': payment,
  'microride.payment.failed': { ...payment, reason: 'card declined' },
  'microride.payment.refunded': { ...payment, kind: 'refund', driverId: null },
  'microride.dispute.opened': { disputeId: u(), rideId: u(), riderId: u(), paymentId: u(), reason: 'the driver took a detour' },
  'microride.dispute.resolved': { disputeId: u(), rideId: u(), riderId: u(), outcome: 'refund', amount: 300, currency: 'EUR', refundId: u(), note: 'detour confirmed' },
  'microride.matching.tick': {},
  'microride.matching.offer_decided': { rideId: u(), riderId: u(), driverIds: [u()], round: 1, expiresAt: now },
};

describe('event catalog', () => {
  it('accepts a valid example of every type', () => {
    for (const type of eventTypes) expect(() => parseEventData(type, samples[type]), type).not.toThrow();
  });

  it('rejects invalid data with the failing paths', () => {
    const bad = { ...samples['microride.ride.completed'], fare: { amount: 12.5, currency: 'eur' }, riderId: 'nope' };
    const r = safeParseEventData('microride.ride.completed', bad);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => i.path).sort()).toEqual(['fare.amount', 'fare.currency', 'riderId']);
    expect(() => parseEventData('microride.ride.rated', { ...samples['microride.ride.rated'], stars: 6 })).toThrow(EventDataError);
    expect(() => parseEventData('microride.ride.cancelled', { ...samples['microride.ride.cancelled'], by: 'dog' })).toThrow(EventDataError);
  });

  it('rejects types that are not in the catalog', () => {
    expect(isEventType('microride.ride.teleported')).toBe(false);
    expect(() => parseEventData('microride.ride.teleported', {})).toThrow(/not in the event catalog/);
  });

  it('tolerates fields added by a newer producer (dropped, not rejected)', () => {
    const data = parseEventData('microride.ride.declined', { ...samples['microride.ride.declined'], reason: 'too far' });
    expect(data).toEqual(samples['microride.ride.declined']);
  });

  it('knows every type a function emits or subscribes to', () => {
    for (const fn of catalog) {
      for (const t of fn.emits) expect(isEventType(t), `${fn.name} emits ${t}`).toBe(true);
      if (fn.kind === 'event') for (const s of fn.subscriptions) if (s.filter.type) expect(isEventType(s.filter.type), `${fn.name} subscribes to ${s.filter.type}`).toBe(true);
    }
  });

  it('derives producers and consumers from the function catalog', () => {
    const fns: FunctionSpec[] = [
      { name: 'p', service: 'rides', module: 'x/p', kind: 'http', method: 'post', path: '/p', auth: 'public', description: '', stores: [], emits: ['microride.ride.accepted'] },
      { name: 'c', service: 'matching', module: 'x/c', kind: 'event', description: '', stores: [], emits: [], subscriptions: [{ filter: { type: 'microride.ride.accepted' } }] },
      { name: 'all', service: 'matching', module: 'x/a', kind: 'event', description: '', stores: [], emits: [], subscriptions: [{ filter: { source: '/microride/p' } }] },
      { name: 'other', service: 'matching', module: 'x/o', kind: 'event', description: '', stores: [], emits: [], subscriptions: [{ filter: { type: 'microride.ride.started' } }] },
    ];
    expect(producersOf('microride.ride.accepted', fns)).toEqual(['p']);
    expect(consumersOf('microride.ride.accepted', fns)).toEqual(['c', 'all']);
  });
});

describe('triggers from the catalog', () => {
  const fn = (name: string, subscriptions: Extract<FunctionSpec, { kind: 'event' }>['subscriptions']): FunctionSpec => ({
    name, service: 'matching', module: `matching/${name}`, kind: 'event', description: '', stores: [], emits: [], subscriptions,
  });

  it('names Triggers after the function (-<n> for several), merges delivery with the defaults', () => {
    const ts = triggersFromCatalog([
      fn('one', [{ filter: { type: 'microride.ride.accepted' }, delivery: { retry: 2 }, parallelism: 16 }]),
      fn('two', [{ filter: { type: 'microride.ride.accepted' } }, { filter: { type: 'microride.ride.cancelled', source: '/microride/rides-cancel' } }]),
    ]);
    expect(ts.map((t) => t.name)).toEqual(['one', 'two-1', 'two-2']);
    expect(ts[0]).toMatchObject({ subscriber: 'one', parallelism: 16, deadLetterSink: DEAD_LETTER_FUNCTION, delivery: { ...defaultDelivery, retry: 2 } });
    expect(ts[1]).toMatchObject({ subscriber: 'two', parallelism: 1, delivery: defaultDelivery });
    expect(ts[2]!.filter).toEqual({ type: 'microride.ride.cancelled', source: '/microride/rides-cancel' });
  });

  it('rejects unknown types, bad attribute names and bad parallelism', () => {
    expect(() => triggersFromCatalog([fn('x', [{ filter: { type: 'microride.nope' } }])])).toThrow(/not in contracts\/events/);
    expect(() => triggersFromCatalog([fn('x', [{ filter: { Type: 'microride.ride.accepted' } }])])).toThrow(/attribute name/);
    expect(() => triggersFromCatalog([fn('x', [{ filter: {}, parallelism: 0 }])])).toThrow(/parallelism/);
  });

  it('never dead-letters the dead-letter sink into itself', () => {
    const [t] = triggersFromCatalog([fn(DEAD_LETTER_FUNCTION, [{ filter: { type: 'microride.ride.accepted' } }])]);
    expect(t!.deadLetterSink).toBeUndefined();
  });

  it('builds from the real catalog', () => {
    expect(() => triggersFromCatalog()).not.toThrow();
  });
});

describe('Knative YAML', () => {
  it('Broker of class RabbitMQBroker with a RabbitmqBrokerConfig on microride-rabbitmq (quorum)', () => {
    const docs = parseAllDocuments(renderAll().get('eventing/broker.yaml')!).map((d) => d.toJS() as Json);
    expect(docs).toEqual(brokerManifests());
    const config = docs.find((d) => d.kind === 'RabbitmqBrokerConfig')!;
    const broker = docs.find((d) => d.kind === 'Broker')!;
    expect(config.apiVersion).toBe('eventing.knative.dev/v1alpha1');
    expect(config.spec).toEqual({ rabbitmqClusterReference: { name: 'microride-rabbitmq' }, queueType: 'quorum' });
    expect(broker.apiVersion).toBe('eventing.knative.dev/v1');
    expect(broker.metadata.annotations['eventing.knative.dev/broker.class']).toBe('RabbitMQBroker');
    expect(broker.spec.config).toEqual({ apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'RabbitmqBrokerConfig', name: config.metadata.name });
    expect(broker.spec.delivery).toMatchObject({ ...defaultDelivery, deadLetterSink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: DEAD_LETTER_FUNCTION } } });
  });

  it('Trigger with filter.attributes, delivery, parallelism annotation and a Knative Service subscriber', () => {
    const m = triggerManifest({
      name: 'payments-capture', broker: 'microride', filter: { type: 'microride.ride.completed' },
      delivery: { retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT1S' }, parallelism: 16, subscriber: 'payments-capture', deadLetterSink: DEAD_LETTER_FUNCTION,
    }) as Json;
    expect(m).toMatchObject({
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Trigger',
      metadata: { name: 'payments-capture', annotations: { 'rabbitmq.eventing.knative.dev/parallelism': '16' } },
      spec: {
        broker: 'microride',
        filter: { attributes: { type: 'microride.ride.completed' } },
        subscriber: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'payments-capture' } },
        delivery: { retry: 3, backoffPolicy: 'linear', backoffDelay: 'PT1S', deadLetterSink: { ref: { kind: 'Service', name: DEAD_LETTER_FUNCTION } } },
      },
    });
  });

  it('committed files are up to date (npm run generate)', () => {
    const files = renderAll();
    for (const rel of ['eventing/broker.yaml', 'eventing/triggers.yaml', 'eventing/README.md']) {
      expect(readFileSync(join(root, rel), 'utf8'), `${rel} is stale: run npm run generate`).toBe(files.get(rel));
    }
  });
});

describe('retry rules', () => {
  it('retries network errors, 404, 408, 409, 429 and 5xx only', () => {
    for (const s of [404, 408, 409, 429, 500, 501, 502, 503, 504]) expect(isRetryable({ status: s }), String(s)).toBe(true);
    for (const s of [400, 401, 403, 405, 410, 413, 415, 422]) expect(isRetryable({ status: s }), String(s)).toBe(false);
    expect(isRetryable({ networkError: new Error('ECONNREFUSED') })).toBe(true);
  });

  it('backs off delay·n (linear) and delay·2ⁿ (exponential)', () => {
    expect([1, 2, 3].map((n) => backoffMs('linear', 200, n))).toEqual([200, 400, 600]);
    expect([1, 2, 3].map((n) => backoffMs('exponential', 200, n))).toEqual([400, 800, 1600]);
  });

  it('parses ISO-8601 durations', () => {
    expect(parseIsoDuration('PT0.2S')).toBe(200);
    expect(parseIsoDuration('PT1M30S')).toBe(90_000);
    expect(parseIsoDuration('PT1H')).toBe(3_600_000);
    expect(parseIsoDuration('P1DT2H')).toBe(93_600_000);
    expect(parseIsoDuration('PT0,5S')).toBe(500);
    for (const bad of ['', 'P', 'PT', '200ms', 'PT-1S', 'T1S']) expect(() => parseIsoDuration(bad), bad).toThrow();
  });
});
