/**
 * Red team: the doors that had no limit. Each case is what an abuser would try, against
 * the real gateway, Redis and notifier: sign-ups sprayed from one address, quotes in a
 * loop, location pings faster than once a second, a websocket without (or with a bad, or
 * with a query) token, a seventh tab, a rider refunding money, dev mode in production.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { usePlatform } from '../helpers/platform.js';
import { post, uniqueEmail, type Session } from '../helpers/users.js';
import { connect, signToken, spawnReplica, UpgradeRefused, useNotifier, type Client } from '../notifier/helpers.js';

// The production values where the tests relax them (test/setup/isolation.ts), small
// enough to reach: 3 registrations per address, 3 quotes per rider, a ping per second.
const LIMITS = { REGISTER_RATE_LIMIT: '3', QUOTE_RATE_LIMIT: '3', LOCATION_MIN_INTERVAL_MS: '1000' };
beforeAll(() => provideSettings(LIMITS));
afterAll(() => provideSettings({ REGISTER_RATE_LIMIT: undefined, QUOTE_RATE_LIMIT: undefined, LOCATION_MIN_INTERVAL_MS: undefined }));

const ctx = usePlatform(['accounts', 'drivers', 'analysis', 'tracking', 'payments']);
const ws = useNotifier();

/** Each sign-up from its own documentation address, so only the registration test meets that limit. */
let host = 0;
async function signUp(role: 'rider' | 'driver'): Promise<Session> {
  host += 1;
  const ip = `198.51.100.${host}`;
  const email = uniqueEmail(role);
  const password = 'correct horse battery';
  const reg = await post(ctx.url, '/api/v1/auth/register', { email, password, name: `Red ${role}`, role }, { 'x-forwarded-for': ip });
  expect(reg.status, await reg.clone().text()).toBe(201);
  const login = await post(ctx.url, '/api/v1/auth/login', { email, password }, { 'x-forwarded-for': ip });
  expect(login.status, await login.clone().text()).toBe(200);
  const body = (await login.json()) as Omit<Session, 'auth'>;
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}

interface Problem {
  status: number;
  detail: string;
  limit?: string;
}

async function expectLimited(res: Response, limit: string): Promise<Problem> {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = (await res.json()) as Problem;
  expect(body).toMatchObject({ status: 429, limit });
  return body;
}

async function refused(p: Promise<Client>): Promise<UpgradeRefused> {
  const err = await p.then(
    (c) => {
      c.close();
      throw new Error('upgrade was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpgradeRefused);
  return err as UpgradeRefused;
}

describe('red team: limits on the HTTP API', () => {
  it('registration: the N+1th sign-up from one client address is 429 naming REGISTER_RATE_LIMIT; another address is unaffected', async () => {
    const register = (ip: string) =>
      post(ctx.url, '/api/v1/auth/register', { email: uniqueEmail('spray'), password: 'correct horse battery', name: 'Spray', role: 'rider' }, { 'x-forwarded-for': ip });
    for (let i = 0; i < 3; i++) expect((await register('203.0.113.50')).status).toBe(201);
    const body = await expectLimited(await register('203.0.113.50'), 'REGISTER_RATE_LIMIT');
    expect(body.detail).toMatch(/too many registrations from this address/);
    // Made-up X-Forwarded-For entries on the left do not dodge it (platform/client-ip.ts).
    await expectLimited(await register('192.0.2.7, 203.0.113.50'), 'REGISTER_RATE_LIMIT');
    expect((await register('203.0.113.51')).status).toBe(201);
  });

  it('quotes: the N+1th quote of one rider in the window is 429 naming QUOTE_RATE_LIMIT; another rider is unaffected', async () => {
    const [greedy, other] = [await signUp('rider'), await signUp('rider')];
    const ask = (s: Session) => post(ctx.url, '/api/v1/quotes', { pickup: { lat: 41.39, lon: 2.17 }, dropoff: { lat: 41.4, lon: 2.19 }, vehicleClass: 'economy' }, s.auth);
    for (let i = 0; i < 3; i++) {
      const ok = await ask(greedy);
      expect(ok.status, await ok.clone().text()).toBe(200);
    }
    const body = await expectLimited(await ask(greedy), 'QUOTE_RATE_LIMIT');
    expect(body.detail).toMatch(/too many quotes/);
    expect((await ask(other)).status).toBe(200);
  });

  it('location: a second ping within LOCATION_MIN_INTERVAL_MS (less the jitter allowance) is 429 with Retry-After; one a second later is taken', async () => {
    const driver = await signUp('driver');
    const ping = (lat: number) => post(ctx.url, '/api/v1/drivers/me/location', { lat, lon: 2.17 }, driver.auth);
    expect((await ping(41.39)).status).toBe(202);
    const t0 = Date.now();
    const body = await expectLimited(await ping(41.391), 'LOCATION_MIN_INTERVAL_MS');
    expect(body.detail).toMatch(/less than 1000 ms apart/);
    await new Promise((r) => setTimeout(r, Math.max(0, 1_050 - (Date.now() - t0))));
    expect((await ping(41.392)).status).toBe(202);
  });

  it('refunds: a rider (not an admin, dev mode off) gets 403 and no existence hint', async () => {
    const rider = await signUp('rider');
    const res = await post(ctx.url, `/api/v1/payments/${randomUUID()}/refund`, { amount: 100 }, { ...rider.auth, 'idempotency-key': 'steal-1' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Problem).detail).toMatch(/for admins/);
  });
});

describe('red team: the websocket door', () => {
  it('refuses before the upgrade: no token (401), a forged token (401), a token in the query while NOTIFIER_QUERY_TOKEN is off (400)', async () => {
    const { token } = await signToken();
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('forged').toString('base64url')}`;
    expect((await refused(connect(ws.n.wsUrl, ''))).status).toBe(401);
    expect((await refused(connect(ws.n.wsUrl, forged))).status).toBe(401);
    expect((await refused(connect(ws.n.wsUrl, 'not-a-jwt'))).status).toBe(401);
    const viaQuery = await refused(connect(ws.n.wsUrl, token, { via: 'query' }));
    expect(viaQuery.status).toBe(400);
    expect(JSON.parse(viaQuery.body)).toMatchObject({ errors: [{ path: 'token' }] });
    expect(ws.n.connections()).toBe(0);
  });

  it('a user opening a sixth socket (NOTIFIER_MAX_SOCKETS_PER_USER=5) loses the oldest with close code 4029 "too many connections"', async () => {
    const { userId } = await signToken();
    const clients: Client[] = [];
    for (let i = 0; i < 6; i++) clients.push(await connect(ws.n.wsUrl, (await signToken({ userId })).token));
    expect(await clients[0]!.closed).toEqual({ code: 4029, reason: 'too many connections' });
    for (const c of clients.slice(1)) expect(c.ws.readyState).toBe(c.ws.OPEN);
    expect(ws.n.connections()).toBe(5);
    for (const c of clients.slice(1)) c.close();
    await Promise.all(clients.map((c) => c.closed));
  });
});

describe('red team: dev mode in production', () => {
  it('a function process with MICRORIDE_DEV_MODE=true and NODE_ENV=production refuses to start: one ConfigError line, exit 78', async () => {
    const fixture = new URL('../runtime/fixtures/refund-function.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, NODE_ENV: 'production', MICRORIDE_DEV_MODE: 'true', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += String(c)));
    // A process that does start (the bug) is stopped, not left running.
    const stop = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(stop);
    expect(code).toBe(78);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^configuration error: MICRORIDE_DEV_MODE: must not be true when NODE_ENV=production/);
  });

  it('the notifier refuses the same way', async () => {
    const started = spawnReplica({ NODE_ENV: 'production', MICRORIDE_DEV_MODE: 'true' });
    // A replica that does start (the bug) is stopped, not left running.
    void started.then((r) => r.stop('SIGKILL'), () => undefined);
    await expect(started).rejects.toThrow(/replica exited with 78/);
  });
});
