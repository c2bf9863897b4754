import { config } from '../../platform/config.js';
import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { usePlatform } from '../helpers/platform.js';
import { post, registerAndLogin, registerDriver, uniquePlate, json } from '../helpers/users.js';

const ctx = usePlatform();
const req = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  fetch(`${ctx.url}${path}`, { method, headers: { ...json, ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

const vehicle = (plate = uniquePlate()) => ({ make: 'Skoda', model: 'Octavia', plate, class: 'economy', seats: 4 });

describe('drivers', () => {
  it('registers one profile per driver and shows the licence only to its owner', async () => {
    const d = await registerAndLogin(ctx.url, 'driver', 'Dana Driver');
    const created = await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'LIC-777', vehicle: vehicle() }, d.auth);
    expect(created.status).toBe(201);
    const profile = (await created.json()) as { id: string; licenseNumber: string; status: string; name: string };
    expect(profile).toMatchObject({ licenseNumber: 'LIC-777', status: 'offline', name: 'Dana Driver' });

    const again = await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'LIC-778', vehicle: vehicle() }, d.auth);
    expect(again.status).toBe(409);

    const mine = await req('GET', '/api/v1/drivers/me', d.auth);
    expect(((await mine.json()) as { licenseNumber: string }).licenseNumber).toBe('LIC-777');

    const rider = await registerAndLogin(ctx.url, 'rider');
    const pub = await req('GET', `/api/v1/drivers/${profile.id}`, rider.auth);
    expect(pub.status).toBe(200);
    const view = (await pub.json()) as Record<string, unknown>;
    // One id per driver in the whole API: the account id, as rides and events name the driver.
    expect(profile.id).toBe(d.user.id);
    expect(view.id).toBe(d.user.id);
    expect(view.firstName).toBe('Dana');
    expect(view).not.toHaveProperty('licenseNumber');
    expect(JSON.stringify(view)).not.toContain('LIC-777');
  });

  it('treats plates with different case and separators as the same car', async () => {
    const a = await registerAndLogin(ctx.url, 'driver');
    const b = await registerAndLogin(ctx.url, 'driver');
    const plate = uniquePlate();
    expect((await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'LIC-1', vehicle: vehicle(plate) }, a.auth)).status).toBe(201);
    const spaced = `${plate.slice(0, 3).toLowerCase()} - ${plate.slice(3).toLowerCase()}`;
    const clash = await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'LIC-2', vehicle: vehicle(spaced) }, b.auth);
    expect(clash.status).toBe(409);
    expect(await clash.json()).toMatchObject({ errors: [{ path: 'vehicle.plate' }] });
  });

  it('validates the vehicle with field paths', async () => {
    const d = await registerAndLogin(ctx.url, 'driver');
    const res = await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'x', vehicle: { make: '', model: 'M', plate: '!!', class: 'limo', seats: 12 } }, d.auth);
    expect(res.status).toBe(422);
    const paths = ((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['licenseNumber', 'vehicle.class', 'vehicle.make', 'vehicle.plate', 'vehicle.seats']);
  });

  it('switches availability and refuses it without a profile', async () => {
    const d = await registerAndLogin(ctx.url, 'driver');
    const none = await req('PUT', '/api/v1/drivers/me/availability', d.auth, { status: 'online' });
    expect(none.status).toBe(404);
    await registerDriver(ctx.url, d);
    const on = await req('PUT', '/api/v1/drivers/me/availability', d.auth, { status: 'online' });
    expect(on.status).toBe(200);
    expect(((await on.json()) as { status: string }).status).toBe('online');
    const bad = await req('PUT', '/api/v1/drivers/me/availability', d.auth, { status: 'on_trip' });
    expect(bad.status).toBe(422);
  });
});

describe('authorization matrix', () => {
  it('401 without, with a malformed, a forged or an expired token', async () => {
    const none = await req('GET', '/api/v1/drivers/me');
    expect(none.status).toBe(401);
    expect(((await none.json()) as { detail: string }).detail).toMatch(/missing Authorization/);
    expect((await req('GET', '/api/v1/drivers/me', { authorization: 'Token abc' })).status).toBe(401);
    expect((await req('GET', '/api/v1/users/me', { authorization: 'Bearer not.a.jwt' })).status).toBe(401);

    // Signed by a key the platform does not trust.
    const { SignJWT } = await import('jose');
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT({ role: 'admin', sid: 's' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .setSubject(randomUUID()).setIssuer('microride').setAudience('microride-api').setExpirationTime('5m')
      .sign(privateKey);
    expect((await req('GET', '/api/v1/users/me', { authorization: `Bearer ${forged}` })).status).toBe(401);
  });

  it('rejects an expired token with a clear reason', async () => {
    const { SignJWT, importPKCS8 } = await import('jose');
    const key = await importPKCS8(config().JWT_PRIVATE_KEY!, 'EdDSA');
    const s = await registerAndLogin(ctx.url, 'rider');
    const old = await new SignJWT({ role: 'rider', sid: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .setSubject(s.user.id).setIssuer('microride').setAudience('microride-api')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const res = await req('GET', '/api/v1/users/me', { authorization: `Bearer ${old}` });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toBe('access token expired');
  });

  it('403 for the wrong role, naming the role needed', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    const res = await post(ctx.url, '/api/v1/drivers', { licenseNumber: 'LIC-1', vehicle: vehicle() }, rider.auth);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/driver/);
    expect((await req('GET', '/api/v1/drivers/me', rider.auth)).status).toBe(403);
  });

  it('404 for a resource that does not exist, 422 for a malformed id', async () => {
    const rider = await registerAndLogin(ctx.url, 'rider');
    expect((await req('GET', `/api/v1/drivers/${randomUUID()}`, rider.auth)).status).toBe(404);
    expect((await req('GET', '/api/v1/drivers/not-a-uuid', rider.auth)).status).toBe(422);
  });

  it('405 with Allow for a known path and the wrong method; 404 problem for an unknown path', async () => {
    const res = await req('DELETE', '/api/v1/users/me');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    const missing = await req('GET', '/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
