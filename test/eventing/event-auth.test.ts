/**
 * Event authentication on real event endpoints (EVENT_OIDC=on): the rides-offers function —
 * the one a forged `matching.offer_decided` would abuse to offer a ride to whoever sends
 * it — and the notifier. Tokens come from a local issuer standing in for the cluster's
 * service-account issuer, as Knative Eventing's dispatcher would send them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import { serviceMigrations } from '../../functions/migrations.js';
import { closeClients } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import type { FunctionApp } from '../../platform/app.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/oidc-issuer.js';
import { useKeys } from '../notifier/helpers.js';
import { startNotifier, type Notifier } from '../../notifier/server.js';

const OFFERS_AUDIENCE = 'serving.knative.dev/service/microride/rides-offers';
const NOTIFIER_AUDIENCE = 'service/microride/notifier';

let issuer: LocalIssuer;
let offers: FunctionApp;

const decided = () => {
  const rideId = randomUUID();
  return new CloudEvent({
    id: randomUUID(),
    source: '/microride/matching-request',
    type: 'microride.matching.offer_decided',
    subject: rideId,
    datacontenttype: 'application/json',
    data: { rideId, riderId: randomUUID(), driverIds: [randomUUID()], round: 1, expiresAt: new Date(Date.now() + 20_000).toISOString() },
  });
};

const post = (app: FunctionApp, event: CloudEvent<unknown>, authorization?: string) => {
  const m = HTTP.binary(event);
  const headers = { ...(m.headers as Record<string, string>), ...(authorization ? { authorization } : {}) };
  return app.request('/', { method: 'POST', headers, body: m.body as string });
};

beforeAll(async () => {
  issuer = await startLocalIssuer();
  await migrate('rides', serviceMigrations.rides!);
  provideSettings({ EVENT_OIDC: 'on', EVENT_OIDC_ISSUER: issuer.issuer, EVENT_OIDC_AUDIENCE: OFFERS_AUDIENCE });
  // The function reads its settings when its module builds the app, as in its pod.
  offers = (await import('../../functions/rides/offers.js')).default;
});

afterAll(async () => {
  provideSettings({ EVENT_OIDC: undefined, EVENT_OIDC_ISSUER: undefined, EVENT_OIDC_AUDIENCE: undefined });
  await dropSchema('rides');
  await closeClients();
  await issuer.close();
});

describe('rides-offers with EVENT_OIDC=on', () => {
  it('refuses a forged offer_decided without a token: 401 problem+json, before the event is read', async () => {
    const res = await post(offers, decided());
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/Authorization/);
    // Not even a malformed event gets as far as the parser.
    const garbage = await offers.request('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(garbage.status).toBe(401);
  });

  it('refuses a token for another function\'s audience (a sender cannot replay one function\'s token at another)', async () => {
    const res = await post(offers, decided(), `Bearer ${await issuer.token('serving.knative.dev/service/microride/payments-capture')}`);
    expect(res.status).toBe(401);
  });

  it('handles the event with the token the broker sends for its audience', async () => {
    const res = await post(offers, decided(), `Bearer ${await issuer.token(OFFERS_AUDIENCE)}`);
    // A round for a ride rides does not know: recorded nowhere, dropped, acknowledged.
    expect(res.status).toBe(202);
  });

  it('still validates the event after the token: a bad one is 400', async () => {
    const res = await offers.request('/', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await issuer.token(OFFERS_AUDIENCE)}` }, body: '{' });
    expect(res.status).toBe(400);
  });
});

describe('notifier with EVENT_OIDC=on', () => {
  let notifier: Notifier;
  beforeAll(async () => {
    useKeys();
    provideSettings({ EVENT_OIDC_AUDIENCE: NOTIFIER_AUDIENCE });
    notifier = await startNotifier({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await notifier.close();
  });

  const deliver = (authorization?: string) => {
    const rideId = randomUUID();
    return fetch(`${notifier.eventsUrl}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': randomUUID(),
        'ce-source': '/microride/rides-accept',
        'ce-type': 'microride.ride.expired',
        'ce-subject': rideId,
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ rideId, riderId: randomUUID() }),
    });
  };

  it('POST / without a token is 401 problem+json; with the notifier\'s token it is stored (202)', async () => {
    const refused = await deliver();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(notifier.metrics.events.get({ outcome: 'unauthenticated' })).toBe(1);

    expect((await deliver(`Bearer ${await issuer.token(OFFERS_AUDIENCE)}`)).status).toBe(401);
    expect((await deliver(`Bearer ${await issuer.token(NOTIFIER_AUDIENCE)}`)).status).toBe(202);
  });
});
