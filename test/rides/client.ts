/** A rider's and a driver's view of the API, as the apps would call it. */
import { expect } from 'vitest';
import type { VehicleClass } from '../../contracts/vehicles.js';
import { registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import type { EventLog, SeenEvent } from './harness.js';

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  who?: Session,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(who ? who.auth : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

export interface Point {
  lat: number;
  lon: number;
}

let area = 0;
/**
 * A fresh neighbourhood for each scenario, ~60 km from the last, so drivers left online
 * by an earlier test in the same file are never near enough to be offered the ride.
 */
export function newArea(): { at(dLatMeters: number, dLonMeters?: number): Point } {
  area += 1;
  const base = { lat: 40 + area * 0.55, lon: 10 };
  return {
    at: (dy, dx = 0) => ({ lat: base.lat + dy / 111_320, lon: base.lon + dx / (111_320 * Math.cos((base.lat * Math.PI) / 180)) }),
  };
}

export interface Driver {
  session: Session;
  /** The driver's id: their account id, as rides, events and GET /api/v1/drivers/{id} name them. */
  id: string;
}

export async function newRider(url: string): Promise<Session> {
  return registerAndLogin(url, 'rider');
}

export async function newDriver(url: string, at: Point, vehicleClass: VehicleClass = 'economy'): Promise<Driver> {
  const session = await registerAndLogin(url, 'driver');
  await registerDriver(url, session, { class: vehicleClass });
  await goOnline(url, session, at);
  return { session, id: session.user.id };
}

export async function goOnline(url: string, s: Session, at: Point): Promise<void> {
  const a = await call(url, 'PUT', '/api/v1/drivers/me/availability', s, { status: 'online' });
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  await moveTo(url, s, at);
}

export async function moveTo(url: string, s: Session, at: Point): Promise<void> {
  const l = await call(url, 'POST', '/api/v1/drivers/me/location', s, at);
  expect(l.status, JSON.stringify(l.body)).toBe(202);
}

export async function quote(url: string, rider: Session, pickup: Point, dropoff: Point, vehicleClass = 'economy'): Promise<Record<string, unknown> & { quoteId: string }> {
  const q = await call<Record<string, unknown> & { quoteId: string }>(url, 'POST', '/api/v1/quotes', rider, { pickup, dropoff, vehicleClass });
  expect(q.status, JSON.stringify(q.body)).toBe(200);
  return q.body;
}

export interface RideView {
  id: string;
  status: string;
  riderId: string;
  driverId: string | null;
  fare: { amount: number; currency: string; final: boolean; basis: string | null };
  cancellation: { by: string; reason: string | null; fee: { amount: number; currency: string } | null } | null;
  [k: string]: unknown;
}

/** Quote + request; returns the ride. */
export async function requestRide(url: string, rider: Session, pickup: Point, dropoff: Point, key?: string): Promise<RideView> {
  const q = await quote(url, rider, pickup, dropoff);
  const r = await call<RideView>(url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId }, key ? { 'idempotency-key': key } : {});
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

export const offered = (events: EventLog, rideId: string, driverId?: string, round?: number): Promise<SeenEvent> =>
  events.waitFor(
    (e) =>
      e.type === 'microride.ride.offered' &&
      e.data.rideId === rideId &&
      (driverId === undefined || (e.data.driverIds as string[]).includes(driverId)) &&
      (round === undefined || e.data.round === round),
    15_000,
    `ride.offered of ${rideId}${driverId ? ` to ${driverId}` : ''}${round ? ` round ${round}` : ''}`,
  );

export const eventOf = (events: EventLog, type: string, rideId: string, timeoutMs = 15_000): Promise<SeenEvent> =>
  events.waitFor((e) => e.type === type && e.data.rideId === rideId, timeoutMs, `${type} of ${rideId}`);

export async function step(url: string, driver: Driver, rideId: string, action: 'accept' | 'arrived' | 'start' | 'complete', body?: unknown): Promise<RideView> {
  const r = await call<RideView>(url, 'POST', `/api/v1/rides/${rideId}/${action}`, driver.session, body);
  expect(r.status, `${action}: ${JSON.stringify(r.body)}`).toBe(200);
  return r.body;
}

/** The pickup code, as only the rider sees it (their ride detail). */
export async function pickupCodeOf(url: string, rider: Session, rideId: string): Promise<string> {
  const r = await call<RideView & { pickupCode?: string }>(url, 'GET', `/api/v1/rides/${rideId}`, rider);
  expect(r.body.pickupCode, JSON.stringify(r.body)).toMatch(/^[0-9]{4}$/);
  return r.body.pickupCode as string;
}

/** The driver starts the trip with the code the rider tells them. */
export async function startWithCode(url: string, rider: Session, driver: Driver, rideId: string): Promise<RideView> {
  return step(url, driver, rideId, 'start', { pickupCode: await pickupCodeOf(url, rider, rideId) });
}

/** Request, wait for the offer to `driver`, accept. */
export async function acceptedRide(url: string, events: EventLog, rider: Session, driver: Driver, pickup: Point, dropoff: Point): Promise<RideView> {
  const ride = await requestRide(url, rider, pickup, dropoff);
  await offered(events, ride.id, driver.id);
  return step(url, driver, ride.id, 'accept');
}

/** A ride driven to `state` by `driver` (offered to them first: they must be the nearest). */
export async function rideIn(
  url: string,
  events: EventLog,
  rider: Session,
  driver: Driver,
  state: 'accepted' | 'arrived' | 'in_progress' | 'completed',
  pickup: Point,
  dropoff: Point,
): Promise<RideView> {
  let ride = await acceptedRide(url, events, rider, driver, pickup, dropoff);
  const path = ['arrived', 'in_progress', 'completed'] as const;
  const action = { arrived: 'arrived', in_progress: 'start', completed: 'complete' } as const;
  for (const s of path) {
    if (ride.status === state) break;
    ride = action[s] === 'start' ? await startWithCode(url, rider, driver, ride.id) : await step(url, driver, ride.id, action[s]);
  }
  expect(ride.status).toBe(state);
  return ride;
}

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
