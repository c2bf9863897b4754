/**
 * Admin accounts and the users endpoints against the real accounts service (PostgreSQL,
 * Redis): nobody registers as an admin, admins list users and disable or enable them, and a
 * disabled user's tokens stop working at once.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { usePlatform } from '../helpers/platform.js';
import { post, registerAndLogin, uniqueEmail, type Session } from '../helpers/users.js';
import { call } from '../rides/client.js';
import { newAdmin } from './helpers.js';

const env = usePlatform(['accounts']);

interface UserView {
  id: string;
  email: string;
  role: string;
  status: string;
}
interface UserPage {
  items: UserView[];
  total: number;
  limit: number;
  offset: number;
}

describe('admin accounts', () => {
  it('register refuses role admin, naming the field; no account is made', async () => {
    const email = uniqueEmail('would-be-admin');
    const res = await post(env.url, '/api/v1/auth/register', { email, password: 'correct horse battery', name: 'Mallory', role: 'admin' });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toContain('role');
    expect((await post(env.url, '/api/v1/auth/login', { email, password: 'correct horse battery' })).status).toBe(401);
  });

  it('an admin made by the operator signs in with role admin', async () => {
    const admin = await newAdmin(env.url);
    const me = await call<UserView>(env.url, 'GET', '/api/v1/users/me', admin);
    expect(me.body).toMatchObject({ role: 'admin', status: 'active' });
  });
});

describe('GET /api/v1/admin/users', () => {
  it('pages users newest first and filters by role and email (case-insensitive, wildcards literal)', async () => {
    const admin = await newAdmin(env.url);
    const tag = randomUUID().slice(0, 8);
    const made: Session[] = [];
    for (const role of ['rider', 'driver', 'rider'] as const) {
      const email = `Pager_${tag}-${made.length}@example.test`;
      const reg = await post(env.url, '/api/v1/auth/register', { email, password: 'correct horse battery', name: 'Pager', role });
      expect(reg.status).toBe(201);
      made.push({ user: (await reg.json()) as Session['user'] } as Session);
    }
    const all = await call<UserPage>(env.url, 'GET', `/api/v1/admin/users?email=pager_${tag}`, admin);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((u) => u.id)).toEqual(made.map((m) => m.user.id).reverse());
    const riders = await call<UserPage>(env.url, 'GET', `/api/v1/admin/users?email=PAGER_${tag}&role=rider&limit=1`, admin);
    expect(riders.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(riders.body.items.map((u) => u.id)).toEqual([made[2]!.user.id]);
    const second = await call<UserPage>(env.url, 'GET', `/api/v1/admin/users?email=pager_${tag}&role=rider&limit=1&offset=1`, admin);
    expect(second.body.items.map((u) => u.id)).toEqual([made[0]!.user.id]);
    // `_` is a LIKE wildcard; as a filter it is a literal underscore.
    expect((await call<UserPage>(env.url, 'GET', `/api/v1/admin/users?email=pager-${tag}`, admin)).body.total).toBe(0);
  });

  it('names a bad filter (422)', async () => {
    const admin = await newAdmin(env.url);
    const bad = await call<{ errors: { path: string }[] }>(env.url, 'GET', '/api/v1/admin/users?role=root&limit=1000', admin);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['limit', 'role']);
  });
});

describe('disabling and enabling a user', () => {
  it('a disabled user’s tokens stop at once, they cannot log in or refresh; enabled, they log in anew', async () => {
    const admin = await newAdmin(env.url);
    const rider = await registerAndLogin(env.url, 'rider');
    // Two sessions: both must die.
    const other = (await (await post(env.url, '/api/v1/auth/login', { email: rider.user.email, password: 'correct horse battery' })).json()) as Session;
    expect((await call(env.url, 'GET', '/api/v1/users/me', rider)).status).toBe(200);

    const off = await call<{ user: UserView; revokedSessions: number }>(env.url, 'POST', `/api/v1/admin/users/${rider.user.id}/disable`, admin);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ user: { id: rider.user.id, status: 'disabled' }, revokedSessions: 2 });

    expect((await call(env.url, 'GET', '/api/v1/users/me', rider)).status).toBe(401);
    expect((await fetch(`${env.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${other.accessToken}` } })).status).toBe(401);
    expect((await post(env.url, '/api/v1/auth/refresh', { refreshToken: rider.refreshToken })).status).toBe(401);
    const login = await post(env.url, '/api/v1/auth/login', { email: rider.user.email, password: 'correct horse battery' });
    expect(login.status).toBe(401);
    expect(((await login.json()) as { detail: string }).detail).toMatch(/disabled/);
    // Disabling twice is harmless.
    expect((await call(env.url, 'POST', `/api/v1/admin/users/${rider.user.id}/disable`, admin)).body).toMatchObject({ revokedSessions: 0 });
    const listed = await call<UserPage>(env.url, 'GET', `/api/v1/admin/users?email=${encodeURIComponent(rider.user.email)}&status=disabled`, admin);
    expect(listed.body.items.map((u) => u.id)).toEqual([rider.user.id]);

    const on = await call<{ user: UserView }>(env.url, 'POST', `/api/v1/admin/users/${rider.user.id}/enable`, admin);
    expect(on.status).toBe(200);
    expect(on.body.user.status).toBe('active');
    // The old sessions stay revoked; a new login works.
    expect((await call(env.url, 'GET', '/api/v1/users/me', rider)).status).toBe(401);
    expect((await post(env.url, '/api/v1/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(401);
    const again = await post(env.url, '/api/v1/auth/login', { email: rider.user.email, password: 'correct horse battery' });
    expect(again.status).toBe(200);
    const fresh = (await again.json()) as Session;
    expect((await fetch(`${env.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${fresh.accessToken}` } })).status).toBe(200);
  });

  it('404 for an unknown user, 422 for a bad id, 409 for disabling yourself', async () => {
    const admin = await newAdmin(env.url);
    expect((await call(env.url, 'POST', `/api/v1/admin/users/${randomUUID()}/disable`, admin)).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/admin/users/${randomUUID()}/enable`, admin)).status).toBe(404);
    expect((await call(env.url, 'POST', '/api/v1/admin/users/nope/disable', admin)).status).toBe(422);
    expect((await call(env.url, 'POST', `/api/v1/admin/users/${admin.user.id}/disable`, admin)).status).toBe(409);
    expect((await call(env.url, 'GET', '/api/v1/users/me', admin)).status).toBe(200);
  });

  it('riders and drivers get 403, nobody signed in 401', async () => {
    const rider = await registerAndLogin(env.url, 'rider');
    const driver = await registerAndLogin(env.url, 'driver');
    for (const who of [rider, driver]) {
      expect((await call(env.url, 'GET', '/api/v1/admin/users', who)).status).toBe(403);
      expect((await call(env.url, 'POST', `/api/v1/admin/users/${rider.user.id}/disable`, who)).status).toBe(403);
      expect((await call(env.url, 'POST', `/api/v1/admin/users/${rider.user.id}/enable`, who)).status).toBe(403);
    }
    expect((await call(env.url, 'GET', '/api/v1/admin/users')).status).toBe(401);
    expect((await call(env.url, 'GET', '/api/v1/users/me', rider)).status).toBe(200);
  });
});
