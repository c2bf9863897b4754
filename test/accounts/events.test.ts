/** accounts and drivers announce their changes through the outbox and the real broker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventStack, type EventStack } from '../helpers/event-stack.js';
import { startSubscriber, type Subscriber } from '../eventing/helpers.js';
import { cleanupStores } from '../helpers/platform.js';
import { closeClients } from '../../platform/clients.js';
import { post, registerAndLogin, registerDriver, json } from '../helpers/users.js';

let stack: EventStack;
let observer: Subscriber;

beforeAll(async () => {
  observer = await startSubscriber();
  const types = ['microride.user.registered', 'microride.driver.registered', 'microride.driver.availability_changed'];
  stack = await startEventStack({
    tickScale: 1_000,
    extraTriggers: types.map((type, i) => ({ name: `observer-${i}`, filter: { type }, url: `${observer.url}/${type}` })),
  });
});

afterAll(async () => {
  await stack?.close();
  await observer?.close();
  await cleanupStores();
  await closeClients();
});

describe('account and driver events', () => {
  it('registering, creating a profile and going online each emit one event', async () => {
    const d = await registerAndLogin(stack.url, 'driver');
    const [registered] = await observer.waitFor(1, 15_000, '/microride.user.registered');
    expect(registered!.event).toMatchObject({ type: 'microride.user.registered', source: '/microride/accounts-register', subject: d.user.id });
    expect(registered!.event.data).toEqual({ userId: d.user.id, role: 'driver', email: d.user.email });

    const profile = await registerDriver(stack.url, d, { class: 'xl' });
    const [driverEvent] = await observer.waitFor(1, 15_000, '/microride.driver.registered');
    expect(driverEvent!.event.data).toEqual({ driverId: profile.id, userId: d.user.id, vehicleClass: 'xl' });

    const on = await fetch(`${stack.url}/api/v1/drivers/me/availability`, { method: 'PUT', headers: { ...json, ...d.auth }, body: JSON.stringify({ status: 'online' }) });
    expect(on.status).toBe(200);
    const [online] = await observer.waitFor(1, 15_000, '/microride.driver.availability_changed');
    expect(online!.event.data).toMatchObject({ driverId: profile.id, status: 'online' });
  });

  it('a rejected registration emits nothing', async () => {
    const before = (await observer.waitFor(0, 0, '/microride.user.registered')).length;
    const bad = await post(stack.url, '/api/v1/auth/register', { email: 'bad', password: 'x', name: '', role: 'rider' });
    expect(bad.status).toBe(422);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await observer.waitFor(0, 0, '/microride.user.registered')).length).toBe(before);
  });
});
