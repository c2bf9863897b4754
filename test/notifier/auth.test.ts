import { randomUUID } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { revokeSession } from '../../platform/auth/session-cache.js';
import { redis } from '../../platform/clients.js';
import { revokedKey } from '../../platform/auth/session-cache.js';
import { connect, ride, postEvent, signToken, UpgradeRefused, useNotifier, sleep } from './helpers.js';

// A fast revocation sweep so the fallback path can be observed in a test.
const ctx = useNotifier({ NOTIFIER_REVOCATION_SWEEP_SECONDS: 0.5 });

async function refused(p: Promise<unknown>): Promise<UpgradeRefused> {
  const err = await p.then(
    () => {
      throw new Error('upgrade was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpgradeRefused);
  return err as UpgradeRefused;
}

describe('notifier: authentication at the upgrade', () => {
  it('refuses an upgrade without a token with 401 and opens no socket', async () => {
    const before = ctx.n.connections();
    const err = await refused(connect(ctx.n.wsUrl, ''));
    expect(err.status).toBe(401);
    expect(JSON.parse(err.body)).toMatchObject({ status: 401, detail: expect.stringMatching(/missing access token/) });
    expect(ctx.n.connections()).toBe(before);
  });

  it('refuses a forged, a malformed and an expired token with 401', async () => {
    const { token } = await signToken();
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    for (const bad of [forged, 'not-a-jwt', (await signToken({ ttlSeconds: -5 })).token]) {
      const err = await refused(connect(ctx.n.wsUrl, bad));
      expect(err.status).toBe(401);
    }
    const viaProtocol = await refused(connect(ctx.n.wsUrl, forged, { via: 'protocol' }));
    expect(viaProtocol.status).toBe(401);
    expect(ctx.n.connections()).toBe(0);
  });

  it('refuses a token of a revoked session with 401', async () => {
    const { token, sessionId } = await signToken();
    await revokeSession(sessionId);
    const err = await refused(connect(ctx.n.wsUrl, token));
    expect(err.status).toBe(401);
    expect(JSON.parse(err.body).detail).toMatch(/revoked/);
    expect(ctx.n.connections()).toBe(0);
  });

  it('refuses a malformed since with 400', async () => {
    const { token } = await signToken();
    const err = await refused(connect(ctx.n.wsUrl, token, { since: 'yesterday' }));
    expect(err.status).toBe(400);
  });

  it('accepts a valid token as "bearer, <token>" sub-protocol and answers with sub-protocol bearer', async () => {
    const a = await signToken();
    const b = await signToken();
    const first = await connect(ctx.n.wsUrl, a.token);
    const second = await connect(ctx.n.wsUrl, b.token, { via: 'protocol' });
    expect(first.ws.protocol).toBe('bearer');
    expect(second.ws.protocol).toBe('bearer');
    expect(ctx.n.connections()).toBe(2);
    // Both are live: each gets its own event.
    expect((await postEvent(ctx.n.eventsUrl, ride.expired({ riderId: a.userId }))).status).toBe(202);
    expect((await postEvent(ctx.n.eventsUrl, ride.expired({ riderId: b.userId }))).status).toBe(202);
    expect((await first.waitFor(1))[0]!.data.riderId).toBe(a.userId);
    expect((await second.waitFor(1))[0]!.data.riderId).toBe(b.userId);
    first.close();
    second.close();
    await Promise.all([first.closed, second.closed]);
  });

  it('refuses a token in the query (NOTIFIER_QUERY_TOKEN off by default) with 400 naming `token`, before the upgrade', async () => {
    const { token } = await signToken();
    const err = await refused(connect(ctx.n.wsUrl, token, { via: 'query' }));
    expect(err.status).toBe(400);
    expect(JSON.parse(err.body)).toMatchObject({ status: 400, errors: [{ path: 'token' }] });
    expect(ctx.n.connections()).toBe(0);
  });

  it('closes the socket with 4001 when the token expires', async () => {
    const { token } = await signToken({ ttlSeconds: 2 });
    const client = await connect(ctx.n.wsUrl, token);
    const started = Date.now();
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4001, reason: 'token expired' });
    expect(Date.now() - started).toBeLessThan(3_500);
  });

  it('closes every socket of a session with 4003 as soon as it is revoked', async () => {
    const { token, sessionId, userId } = await signToken();
    const phone = await connect(ctx.n.wsUrl, token);
    const laptop = await connect(ctx.n.wsUrl, token, { via: 'protocol' });
    const other = await connect(ctx.n.wsUrl, (await signToken({ userId })).token); // same user, another session
    const t0 = Date.now();
    await revokeSession(sessionId);
    expect(await phone.closed).toEqual({ code: 4003, reason: 'token revoked' });
    expect(await laptop.closed).toEqual({ code: 4003, reason: 'token revoked' });
    expect(Date.now() - t0).toBeLessThan(400); // pub/sub, not the 0.5 s sweep
    expect(other.ws.readyState).toBe(other.ws.OPEN);
    other.close();
    await other.closed;
  });

  it('still closes a revoked session whose publication was missed (periodic re-check)', async () => {
    const { token, sessionId } = await signToken();
    const client = await connect(ctx.n.wsUrl, token);
    // Only the mark, no publication: as if the notifier was not subscribed at that moment.
    await redis().set(revokedKey(sessionId), '1', 'EX', 60);
    const closed = await Promise.race([client.closed, sleep(3_000).then(() => null)]);
    expect(closed).toEqual({ code: 4003, reason: 'token revoked' });
  });

  it('counts upgrades by outcome in /metrics', async () => {
    const text = await (await fetch(`${ctx.n.url}/metrics`)).text();
    expect(text).toMatch(/notifier_ws_upgrades_total\{outcome="unauthorized"\} [1-9]/);
    expect(text).toMatch(/notifier_ws_upgrades_total\{outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/notifier_ws_closes_total\{code="4003"\} [1-9]/);
    expect(text).toMatch(/notifier_ws_connections 0/);
    expect(randomUUID()).toBeTruthy();
  });
});
