import http from 'node:http';
import { describe, it, expect } from 'vitest';
import { usePlatform } from '../helpers/platform.js';
import { post, registerAndLogin, uniqueEmail, json } from '../helpers/users.js';
import { db } from '../../platform/clients.js';
import { accountsSchema } from '../../functions/accounts/store.js';

const ctx = usePlatform();
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${ctx.url}${path}`, { headers });

describe('accounts: register, login, refresh, logout, me', () => {
  it('round-trips register → login → me → refresh → logout', async () => {
    const email = uniqueEmail('Mixed.Case');
    const reg = await post(ctx.url, '/api/v1/auth/register', { email, password: 'long enough pw', name: 'Ada', role: 'rider' });
    expect(reg.status).toBe(201);
    const user = (await reg.json()) as { id: string; email: string; role: string };
    expect(user).toMatchObject({ email, role: 'rider', status: 'active' });
    expect(JSON.stringify(user)).not.toContain('long enough pw');

    // Email is case-insensitive at login.
    const login = await post(ctx.url, '/api/v1/auth/login', { email: email.toUpperCase(), password: 'long enough pw' });
    expect(login.status).toBe(200);
    const tokens = (await login.json()) as { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string };
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.expiresIn).toBeGreaterThan(0);

    const me = await get('/api/v1/users/me', { authorization: `Bearer ${tokens.accessToken}` });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, email, name: 'Ada' });

    const refreshed = await post(ctx.url, '/api/v1/auth/refresh', { refreshToken: tokens.refreshToken });
    expect(refreshed.status).toBe(200);
    const next = (await refreshed.json()) as { accessToken: string; refreshToken: string };
    expect(next.refreshToken).not.toBe(tokens.refreshToken);

    const out = await fetch(`${ctx.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${next.accessToken}` } });
    expect(out.status).toBe(204);
    const after = await get('/api/v1/users/me', { authorization: `Bearer ${next.accessToken}` });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { detail: string }).detail).toMatch(/revoked/);
    // The session's refresh token died with it.
    expect((await post(ctx.url, '/api/v1/auth/refresh', { refreshToken: next.refreshToken })).status).toBe(401);
  });

  it('stores only a scrypt hash of the password', async () => {
    const s = await registerAndLogin(ctx.url, 'rider');
    const row = (await db().withSchema(accountsSchema()).table('users').where({ id: s.user.id }).first()) as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(row.password_hash).not.toContain('correct horse');
  });

  it('detects refresh-token reuse and revokes the whole family', async () => {
    const s = await registerAndLogin(ctx.url, 'rider');
    const first = await post(ctx.url, '/api/v1/auth/refresh', { refreshToken: s.refreshToken });
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as { accessToken: string; refreshToken: string };

    // The old token comes back (stolen copy): refused, and the family is revoked.
    const replay = await post(ctx.url, '/api/v1/auth/refresh', { refreshToken: s.refreshToken });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { detail: string }).detail).toMatch(/reuse/);

    expect((await post(ctx.url, '/api/v1/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
    expect((await get('/api/v1/users/me', { authorization: `Bearer ${rotated.accessToken}` })).status).toBe(401);
  });

  it('a token revoked by logout is rejected by a different function in the very next request', async () => {
    const s = await registerAndLogin(ctx.url, 'driver');
    const profile = await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'LIC-0001', vehicle: { make: 'Kia', model: 'Niro', plate: `R${Date.now() % 1e6}`, class: 'comfort', seats: 4 } }, s.auth);
    expect(profile.status).toBe(201);
    expect((await get('/api/v1/drivers/me', s.auth)).status).toBe(200);
    const out = await fetch(`${ctx.url}/api/v1/auth/logout`, { method: 'POST', headers: s.auth });
    expect(out.status).toBe(204);
    const res = await get('/api/v1/drivers/me', s.auth);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('rejects a duplicate email case-insensitively with 409', async () => {
    const email = uniqueEmail('dup');
    expect((await post(ctx.url, '/api/v1/auth/register', { email, password: 'long enough pw', name: 'A', role: 'rider' })).status).toBe(201);
    const again = await post(ctx.url, '/api/v1/auth/register', { email: email.toUpperCase(), password: 'long enough pw', name: 'B', role: 'driver' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await again.json()).toMatchObject({ status: 409, errors: [{ path: 'email' }] });
  });

  it('lists every invalid field with 422', async () => {
    const res = await post(ctx.url, '/api/v1/auth/register', { email: 'not-an-email', password: 'short', name: '', role: 'admin' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(['email', 'name', 'password', 'role']);
    expect(body.errors.find((e) => e.path === 'password')?.message).toMatch(/10 characters/);
  });

  it('answers malformed JSON with 400, a wrong content type with 415, an oversized body with 413', async () => {
    const bad = await fetch(`${ctx.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: '{"email": ' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/not valid JSON/);

    const form = await fetch(`${ctx.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'email=a' });
    expect(form.status).toBe(415);

    const huge = await fetch(`${ctx.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(200_000), name: 'n', role: 'rider' }),
    });
    expect(huge.status).toBe(413);

    // Chunked (no Content-Length): counted as it streams, refused once past the limit.
    const big = JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(200_000), name: 'n', role: 'rider' });
    const chunked = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${ctx.url}/api/v1/auth/register`);
      const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 16_384) req.write(big.slice(i, i + 16_384));
      req.end();
    });
    expect(chunked).toBe(413);
  });

  it('gives one answer for an unknown email and a wrong password', async () => {
    const s = await registerAndLogin(ctx.url, 'rider');
    const wrong = await post(ctx.url, '/api/v1/auth/login', { email: s.user.email, password: 'not the password' });
    const unknown = await post(ctx.url, '/api/v1/auth/login', { email: uniqueEmail('nobody'), password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toBe(((await unknown.json()) as { detail: string }).detail);
  });

  it('rate-limits logins per email with 429 and Retry-After', async () => {
    const email = uniqueEmail('brute');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const res = await post(ctx.url, '/api/v1/auth/login', { email, password: 'guess number ' + i }, { 'x-forwarded-for': `198.51.100.${i}` });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('rate-limits logins per client address across emails', async () => {
    const ip = '203.0.113.77';
    let limited = 0;
    for (let i = 0; i < 55; i++) {
      const res = await post(ctx.url, '/api/v1/auth/login', { email: uniqueEmail('spray'), password: 'whatever pw' }, { 'x-forwarded-for': ip });
      if (res.status === 429) limited += 1;
    }
    expect(limited).toBe(5); // 50 allowed per address (5 × the per-email limit), the rest refused
  });

  it('cannot be dodged by making up X-Forwarded-For entries: the proxies append the real address on the right', async () => {
    const real = '203.0.113.91';
    let limited = 0;
    for (let i = 0; i < 55; i++) {
      // The client's own header (a new address every time), then what the ingress and an internal hop append.
      const xff = `198.51.100.${i}, ${real}, 10.1.2.3`;
      const res = await post(ctx.url, '/api/v1/auth/login', { email: uniqueEmail('forge'), password: 'whatever pw' }, { 'x-forwarded-for': xff });
      if (res.status === 429) limited += 1;
    }
    expect(limited).toBe(5);
  });

  it('publishes the verification key as a JWKS', async () => {
    const res = await get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: { kty: string; crv: string; alg: string; kid: string; d?: string }[] };
    expect(body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(body.keys[0]?.kid).toBeTruthy();
    expect(body.keys[0]?.d).toBeUndefined(); // never the private part
  });
});
