/** Emitting: events built from the catalog, validated, sent to K_SINK in binary mode. */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventDataError } from '../../contracts/events.js';
import { provideSettings } from '../../platform/config.js';
import { buildEvent, emitEvent, EmitError, sendEvent } from '../../platform/events/emit.js';
import { startSubscriber, type Subscriber } from './helpers.js';

const spec = { name: 'drivers-register', emits: ['microride.driver.registered'] };
const data = () => ({ driverId: randomUUID(), userId: randomUUID(), vehicleClass: 'comfort' as const });

let sink: Subscriber;
beforeAll(async () => {
  sink = await startSubscriber((r) => (r.event.subject === 'refuse' ? { status: 400, body: 'no' } : { status: 202 }));
});
afterAll(() => sink.close());
afterEach(() => {
  provideSettings({ K_SINK: undefined });
});

describe('buildEvent', () => {
  it('sets source /microride/<function>, subject, a uuid id, time and JSON content type', () => {
    const d = data();
    const e = buildEvent(spec, { type: 'microride.driver.registered', subject: d.driverId, data: d });
    expect(e.source).toBe('/microride/drivers-register');
    expect(e.subject).toBe(d.driverId);
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.datacontenttype).toBe('application/json');
    expect(new Date(e.time!).getTime()).toBeGreaterThan(Date.now() - 5_000);
    expect(e.data).toEqual(d);
  });

  it('refuses data that fails the catalog schema', () => {
    expect(() => buildEvent(spec, { type: 'microride.driver.registered', subject: 'x', data: { ...data(), vehicleClass: 'limo' as 'xl' } })).toThrow(EventDataError);
  });

  it('refuses a type the function does not declare in its catalog emits', () => {
    expect(() =>
      buildEvent(spec, { type: 'microride.ride.declined', subject: 'x', data: { rideId: randomUUID(), driverId: randomUUID() } }),
    ).toThrow(/does not list it in "emits"/);
  });
});

describe('sending', () => {
  it('POSTs to K_SINK in binary mode', async () => {
    provideSettings({ K_SINK: sink.url });
    const d = data();
    const e = await emitEvent(spec, { type: 'microride.driver.registered', subject: d.driverId, data: d });
    const [got] = (await sink.waitFor(1)).filter((r) => r.event.id === e.id);
    expect(got!.headers['ce-id']).toBe(e.id);
    expect(got!.headers['ce-source']).toBe('/microride/drivers-register');
    expect(got!.headers['ce-type']).toBe('microride.driver.registered');
    expect(got!.headers['ce-subject']).toBe(d.driverId);
    expect(got!.headers['ce-specversion']).toBe('1.0');
    expect(got!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got!.body.toString())).toEqual(d);
  });

  it('throws EmitError with the status (non-retryable 4xx) or without one (unreachable: retryable)', async () => {
    const refused = buildEvent(spec, { type: 'microride.driver.registered', subject: 'refuse', data: data() });
    const err = await sendEvent(refused, { sink: sink.url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmitError);
    expect((err as EmitError).status).toBe(400);
    expect((err as EmitError).retryable).toBe(false);
    const down = await sendEvent(refused, { sink: 'http://127.0.0.1:9', timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect((down as EmitError).status).toBeUndefined();
    expect((down as EmitError).retryable).toBe(true);
  });

  it('fails clearly when K_SINK is not set', async () => {
    const e = buildEvent(spec, { type: 'microride.driver.registered', subject: 'x', data: data() });
    await expect(sendEvent(e)).rejects.toThrow(/K_SINK/);
  });
});
