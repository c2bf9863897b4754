/**
 * Red team: forging CloudEvents from outside. Only the broker may deliver events, so every
 * port a client can reach refuses them, and the ports that take them listen on loopback
 * only. Against the real local platform (every function, the broker on RabbitMQ, the
 * notifier) with its public ports bound to every interface, as `HOST=0.0.0.0 npm start`
 * would: an attacker on the network sees exactly what this test reaches by the public URLs.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../contracts/catalog.js';
import type { FunctionSpec } from '../../contracts/catalog-types.js';
import { startPlatform, type Platform } from '../../local/platform.js';
import type { Notifier } from '../../notifier/server.js';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../../local/run-cleanup.js';
import { sendBinary, sendStructured } from '../eventing/helpers.js';
import { connect, receivesNothing } from '../notifier/helpers.js';
import { registerAndLogin } from '../helpers/users.js';
import { listeningAddresses } from '../helpers/listeners.js';
import { call, eventually, newArea, newDriver, newRider, pickupCodeOf, quote, type RideView } from '../rides/client.js';

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ port: 0, host: '0.0.0.0', eventing: { tickScale: 1_000 }, notifier: {} });
}, 60_000);

afterAll(async () => {
  await platform?.close();
  await platform?.eventing?.broker.deleteTopology().catch(() => undefined);
  await cleanupStores();
  await closeClients();
});

const notifier = (): Notifier => {
  if (!platform.notifier) throw new Error('notifier not started');
  return platform.notifier;
};

/** A type the function would act on: what its Trigger filters on or what it is sent directly. */
function typeFor(spec: FunctionSpec): string {
  if (spec.kind !== 'event') return 'microride.ride.completed';
  return spec.subscriptions.find((s) => s.filter.type)?.filter.type ?? spec.accepts?.[0] ?? 'microride.ride.completed';
}

function forged(type: string, data: Record<string, unknown>): CloudEvent<unknown> {
  // Claims to come from the function that really emits such events.
  const subject = typeof data.rideId === 'string' ? { subject: data.rideId } : {};
  return new CloudEvent<unknown>({ id: randomUUID(), source: '/microride/rides-complete', type, ...subject, datacontenttype: 'application/json', data });
}

const someData = () => ({ rideId: randomUUID(), riderId: randomUUID(), driverId: randomUUID(), amount: 1, currency: 'EUR' });

describe('forging a CloudEvent at the public ports', () => {
  it('the public gateway: POST /_fn/<function> (every function, both modes) and POST / are 404', async () => {
    const got: Record<string, number> = {};
    await Promise.all(
      catalog.map(async (spec) => {
        const e = forged(typeFor(spec), someData());
        got[`binary /_fn/${spec.name}`] = (await sendBinary(`${platform.url}/_fn/${spec.name}`, e)).status;
        got[`binary /_fn/${spec.name}/`] = (await sendBinary(`${platform.url}/_fn/${spec.name}/`, e)).status;
        got[`structured /_fn/${spec.name}/`] = (await sendStructured(`${platform.url}/_fn/${spec.name}/`, e)).status;
      }),
    );
    got['binary /'] = (await sendBinary(`${platform.url}/`, forged('microride.ride.completed', someData()))).status;
    expect(got).toEqual(Object.fromEntries(Object.keys(got).map((k) => [k, 404])));
  });

  it('the internal listener is where they go: the same event reaches rides-offers\' own checks there', async () => {
    // An offer decision with no data: the function's schema check refuses it (400), which
    // shows the request got past routing to the function.
    const res = await sendBinary(`${platform.internalUrl}/_fn/rides-offers`, forged('microride.matching.offer_decided', {}));
    expect(res.status).toBe(400);
    expect((await sendBinary(`${platform.url}/_fn/rides-offers`, forged('microride.matching.offer_decided', {}))).status).toBe(404);
  });

  it('the notifier\'s websocket port refuses CloudEvents; nothing reaches the socket; its events port takes them', async () => {
    const rider = await registerAndLogin(platform.url, 'rider');
    const socket = await connect(notifier().wsUrl, rider.accessToken);
    try {
      const e = forged('microride.ride.expired', { rideId: randomUUID(), riderId: rider.user.id });
      const binary = await sendBinary(`${notifier().url}/`, e);
      const structured = await sendStructured(`${notifier().url}/`, e);
      expect([404, 405]).toContain(binary.status);
      expect([404, 405]).toContain(structured.status);
      expect(await receivesNothing(socket, 500)).toBe(true);
      // The endpoint exists, on its own loopback port: what the broker's Triggers deliver to.
      expect((await sendBinary(`${notifier().eventsUrl}/`, e)).status).toBe(202);
      const [message] = await socket.waitFor(1);
      expect(message).toMatchObject({ type: 'microride.ride.expired' });
    } finally {
      socket.close();
    }
  });

  it('the ports that take events listen on 127.0.0.1 only, apart from the public ones', () => {
    const n = notifier();
    const brokerPort = Number(new URL(platform.eventing!.brokerUrl).port);
    // The public ones follow HOST (here every interface): the check does see such a bind.
    expect(listeningAddresses(platform.port)).toEqual(['0.0.0.0']);
    expect(listeningAddresses(n.port)).toEqual(['0.0.0.0']);
    expect(listeningAddresses(platform.internalPort)).toEqual(['127.0.0.1']);
    expect(listeningAddresses(n.eventsPort)).toEqual(['127.0.0.1']);
    expect(listeningAddresses(brokerPort)).toEqual(['127.0.0.1']);
    expect(new Set([platform.port, n.port, platform.internalPort, n.eventsPort, brokerPort]).size).toBe(5);
  });
});

describe('starting a trip without the rider', () => {
  it('a driver cannot start a ride without the pickup code, or with a guessed one; the rider’s code starts it', async () => {
    const url = platform.url;
    const a = newArea();
    const rider = await newRider(url);
    const driver = await newDriver(url, a.at(150));
    const q = await quote(url, rider, a.at(0), a.at(2_000));
    const ride = (await call<RideView>(url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId })).body;
    // No observer here: the driver polls for the offer, as the walkthrough does.
    await eventually(async () => ((await call(url, 'GET', `/api/v1/rides/${ride.id}`, driver.session)).status === 200 ? true : undefined), 15_000, 'offer');
    expect((await call(url, 'POST', `/api/v1/rides/${ride.id}/accept`, driver.session)).status).toBe(200);
    expect((await call(url, 'POST', `/api/v1/rides/${ride.id}/arrived`, driver.session)).status).toBe(200);
    const code = await pickupCodeOf(url, rider, ride.id);

    const start = (body?: unknown) => call<{ errors?: { path: string }[] }>(url, 'POST', `/api/v1/rides/${ride.id}/start`, driver.session, body);
    for (const body of [undefined, {}, { pickupCode: '' }, { pickupCode: '12345' }, { pickupCode: 1234 }]) {
      const r = await start(body);
      expect([r.status, r.body.errors?.map((e) => e.path)], JSON.stringify(body)).toEqual([422, ['pickupCode']]);
    }
    const guessed = await start({ pickupCode: String((Number(code) + 5_000) % 10_000).padStart(4, '0') });
    expect([guessed.status, guessed.body.errors?.map((e) => e.path)]).toEqual([422, ['pickupCode']]);
    expect((await call<RideView>(url, 'GET', `/api/v1/rides/${ride.id}`, rider)).body.status).toBe('arrived');
    expect((await start({ pickupCode: code })).status).toBe(200);
  });
});
