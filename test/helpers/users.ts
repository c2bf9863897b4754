/** Registers and signs in users through the gateway, as a client would. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { VehicleClass } from '../../contracts/vehicles.js';

export interface Session {
  user: { id: string; email: string; name: string; role: 'rider' | 'driver' | 'admin' };
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

export const json = { 'content-type': 'application/json' };

export async function post(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
}

export const uniqueEmail = (tag = 'user') => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

export async function registerAndLogin(baseUrl: string, role: 'rider' | 'driver', name = `Test ${role}`): Promise<Session> {
  const email = uniqueEmail(role);
  const password = 'correct horse battery';
  const reg = await post(baseUrl, '/api/v1/auth/register', { email, password, name, role });
  expect(reg.status, await reg.clone().text()).toBe(201);
  const login = await post(baseUrl, '/api/v1/auth/login', { email, password });
  expect(login.status, await login.clone().text()).toBe(200);
  const body = (await login.json()) as Omit<Session, 'auth'>;
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}

export interface Vehicle {
  make: string;
  model: string;
  plate: string;
  class: VehicleClass;
  seats: number;
}

let plateCounter = 0;
export function uniquePlate(): string {
  plateCounter += 1;
  return `T${randomUUID().replace(/-/g, '').slice(0, 6).toUpperCase()}${plateCounter}`.slice(0, 10);
}

/** Creates the driver profile of a signed-in driver; returns the profile (its `id` is the driver's account id). */
export async function registerDriver(
  baseUrl: string,
  session: Session,
  vehicle: Partial<Vehicle> = {},
): Promise<{ id: string; vehicle: Vehicle }> {
  const res = await post(
    baseUrl,
    '/api/v1/drivers',
    { licenseNumber: 'LIC-12345', vehicle: { make: 'Toyota', model: 'Prius', plate: uniquePlate(), class: 'economy', seats: 4, ...vehicle } },
    session.auth,
  );
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; vehicle: Vehicle };
}
