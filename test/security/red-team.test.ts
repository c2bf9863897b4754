/**
 * Red team, part 2 (last describe): riders and drivers against every admin endpoint, a
 * rider refunding, registering as an admin. (A rider disputing another's ride:
 * test/admin/disputes.test.ts, which drives real rides.)
 *
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

describe('the admin endpoints, as a rider or a driver', () => {
  const adminRoutes = catalog.filter((f): f is Extract<FunctionSpec, { kind: 'http' }> => f.kind === 'http' && f.path.startsWith('/api/v1/admin/'));
  const concrete = (path: string) => path.replace('{service}', 'rides').replace(/\{[a-z]+\}/g, () => randomUUID());
  const bodies: Record<string, unknown> = {
    'eventing-admin-replay': { ids: [randomUUID()] },
    'payments-admin-resolve': { outcome: 'refund', note: 'mine now' },
  };

  it('every one of them is 403 (the catalog lists them all)', async () => {
    expect(adminRoutes.map((f) => f.name).sort()).toEqual([
      'accounts-admin-disable', 'accounts-admin-enable', 'accounts-admin-users',
      'eventing-admin-deadletters', 'eventing-admin-discard', 'eventing-admin-outbox-retry', 'eventing-admin-parked', 'eventing-admin-replay',
      'payments-admin-disputes', 'payments-admin-resolve',
    ]);
    const rider = await registerAndLogin(platform.url, 'rider');
    const driver = await registerAndLogin(platform.url, 'driver');
    const got: Record<string, number> = {};
    for (const spec of adminRoutes) {
      for (const [who, s] of [['rider', rider], ['driver', driver]] as const) {
        const body = bodies[spec.name];
        const res = await fetch(`${platform.url}${concrete(spec.path)}`, {
          method: spec.method.toUpperCase(),
          headers: { ...s.auth, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        got[`${who} ${spec.method} ${spec.path}`] = res.status;
      }
    }
    expect(got).toEqual(Object.fromEntries(Object.keys(got).map((k) => [k, 403])));
    // Disabling users is among them: the rider's own account still works.
    expect((await fetch(`${platform.url}/api/v1/users/me`, { headers: rider.auth })).status).toBe(200);
  });

  it('the OpenAPI document lists each of them, bearer-secured, with its 403', async () => {
    const doc = (await (await fetch(`${platform.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };
    for (const spec of adminRoutes) {
      const op = doc.paths[spec.path]?.[spec.method];
      expect(op, `${spec.method} ${spec.path}`).toBeDefined();
      expect(op!.security).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(op!.responses)).toContain('403');
    }
  });

  it('a rider refunding a payment is 403 without dev mode', async () => {
    const rider = await registerAndLogin(platform.url, 'rider');
    const res = await fetch(`${platform.url}/api/v1/payments/${randomUUID()}/refund`, { method: 'POST', headers: { ...rider.auth, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
  });

  it('nobody registers as an admin', async () => {
    const res = await fetch(`${platform.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `mallory-${randomUUID().slice(0, 8)}@example.test`, password: 'correct horse battery', name: 'Mallory', role: 'admin' }),
    });
    expect(res.status).toBe(422);
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
