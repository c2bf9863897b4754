/**
 * The operations console in a real browser: admin sign-in, drivers on the live map within
 * 2 s of going online, a requested ride drawn as a line, KPI tiles, dead letters replayed
 * and discarded and a parked outbox row retried through the real admin API, and the ops
 * channel refused to riders and drivers before any socket exists.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAdmin, screenshotPath, signIn, useWebStack } from './harness.js';
import { post, registerAndLogin, registerDriver, type Session } from '../helpers/users.js';
import { redisSurgeState } from '../../functions/analysis/surge.js';
import { cellOf } from '../../platform/geo.js';
import { insertDeadLetter } from '../../functions/eventing/store.js';
import { db, schemaName } from '../../platform/clients.js';
import { eventually } from '../rides/client.js';

const stack = useWebStack();

async function onlineDriver(url: string, lat: number, lon: number): Promise<Session> {
  const s = await registerAndLogin(url, 'driver');
  await registerDriver(url, s);
  const a = await fetch(`${url}/api/v1/drivers/me/availability`, { method: 'PUT', headers: { 'content-type': 'application/json', ...s.auth }, body: JSON.stringify({ status: 'online' }) });
  expect(a.status).toBe(200);
  const l = await post(url, '/api/v1/drivers/me/location', { lat, lon }, s.auth);
  expect(l.status).toBe(202);
  return s;
}

/** The upgrade's HTTP status, or 101 when a socket opened. */
function upgradeStatus(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['bearer', token]);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', (err) => reject(err));
  });
}

describe('operations console', () => {
  it('refuses the ops channel to riders and drivers before the upgrade, and opens it to admins', async () => {
    const rider = await registerAndLogin(stack.url, 'rider');
    const driver = await registerAndLogin(stack.url, 'driver');
    expect(await upgradeStatus(`${stack.notifierBase}/ops`, rider.accessToken)).toBe(403);
    expect(await upgradeStatus(`${stack.notifierBase}/ops`, driver.accessToken)).toBe(403);
    expect(await upgradeStatus(`${stack.notifierBase}/ops`, 'not-a-token')).toBe(401);
    const admin = await createAdmin();
    const login = await post(stack.url, '/api/v1/auth/login', { email: admin.email, password: admin.password });
    const { accessToken } = (await login.json()) as { accessToken: string };
    expect(await upgradeStatus(`${stack.notifierBase}/ops`, accessToken)).toBe(101);
    // The rider's own channel still works: /ops is an addition, not a replacement.
    expect(await upgradeStatus(`${stack.notifierBase}/ws`, rider.accessToken)).toBe(101);
  });

  it('closes an admin’s ops socket when the session is revoked (4003)', async () => {
    const admin = await createAdmin();
    const login = await post(stack.url, '/api/v1/auth/login', { email: admin.email, password: admin.password });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const ws = new WebSocket(`${stack.notifierBase}/ops`, ['bearer', accessToken]);
    const firstFrame = new Promise<{ t: string; full: boolean }>((resolve) => ws.once('message', (m: Buffer) => resolve(JSON.parse(m.toString()) as { t: string; full: boolean })));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(await firstFrame).toMatchObject({ t: 'frame', full: true });
    const out = await post(stack.url, '/api/v1/auth/logout', {}, { authorization: `Bearer ${accessToken}` });
    expect(out.status).toBeLessThan(300);
    expect(await closed).toBe(4003);
  });

  it('turns away a rider who signs in on the console', async () => {
    const page = await stack.newPage();
    const rider = await registerAndLogin(stack.url, 'rider');
    await page.goto(`${stack.url}/ops`);
    await signIn(page, rider.user.email, 'correct horse battery');
    await page.waitForSelector('#not-admin');
    expect(await page.locator('#map').count()).toBe(0);
    await page.close();
  });

  it('shows online drivers within 2 s and a requested ride as a line, with KPIs', async () => {
    const page = await stack.newPage();
    const admin = await createAdmin();
    await page.goto(`${stack.url}/ops`);
    await signIn(page, admin.email, admin.password);
    await page.waitForSelector('#channel-state[data-state=open]', { timeout: 10_000 });
    await page.waitForSelector('#map[data-city=ready]');

    const spots = [[52.52, 13.405], [52.523, 13.41], [52.515, 13.39], [52.53, 13.42]] as const;
    const drivers: Session[] = [];
    for (const [lat, lon] of spots) drivers.push(await onlineDriver(stack.url, lat, lon));
    const online = performance.now();
    // (Expressions as strings: they run in the page, where the DOM is.)
    await page.waitForFunction(`Number(document.getElementById('map')?.dataset.drivers ?? 0) >= ${spots.length}`, null, { timeout: 5000 });
    const shownAfter = performance.now() - online;
    expect(shownAfter).toBeLessThan(2000);
    await page.waitForFunction(`document.querySelector('[data-kpi=driversOnline]')?.textContent === '4'`, null, { timeout: 3000 });

    const rider = await registerAndLogin(stack.url, 'rider');
    const q = await post(stack.url, '/api/v1/quotes', { pickup: { lat: 52.521, lon: 13.406 }, dropoff: { lat: 52.5076, lon: 13.3904 }, vehicleClass: 'economy' }, rider.auth);
    expect(q.status).toBe(200);
    const { quoteId } = (await q.json()) as { quoteId: string };
    const r = await post(stack.url, '/api/v1/rides', { quoteId }, { ...rider.auth, 'idempotency-key': `web-${quoteId.slice(-12)}` });
    expect(r.status, await r.clone().text()).toBe(201);
    const ride = (await r.json()) as { id: string };
    await page.waitForFunction(`(document.getElementById('map')?.dataset.rides ?? '').split(',').includes(${JSON.stringify(ride.id)})`, null, { timeout: 5000 });
    // A driver accepts: the ride counts as active and its line stays, now accepted.
    let accepted = false;
    for (const d of drivers) {
      const res = await post(stack.url, `/api/v1/rides/${ride.id}/accept`, {}, d.auth).catch(() => undefined);
      if (res?.status === 200) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      // The offer may not have reached the drivers yet: wait for the round, then accept.
      await page.waitForSelector('#feed li[data-type="microride.ride.offered"]', { timeout: 5000 });
      for (const d of drivers) if ((await post(stack.url, `/api/v1/rides/${ride.id}/accept`, {}, d.auth)).status === 200) break;
    }
    await page.waitForFunction(`document.querySelector('[data-kpi=activeRides]')?.textContent === '1'`, null, { timeout: 5000 });
    // A market cell with a surge is shaded (its state as analysis keeps it after quotes).
    const hot = cellOf(52.521, 13.406);
    await redisSurgeState.write('economy', hot, { value: 1.8, at: Date.now() });
    await page.waitForFunction(`(document.getElementById('map')?.dataset.cells ?? '').split(',').includes(${JSON.stringify(hot)})`, null, { timeout: 5000 });
    // The event feed shows the request; the type filter hides other types.
    await page.waitForSelector('#feed li[data-type="microride.ride.requested"]', { timeout: 5000 });
    await page.selectOption('#feed-filter', 'microride.ride.offered').catch(() => page.selectOption('#feed-filter', 'microride.ride.requested'));
    const hiddenOthers = await page.evaluate(`[...document.querySelectorAll('#feed li')].every((li) => li.hidden === (li.dataset.type !== document.getElementById('feed-filter').value))`);
    expect(hiddenOthers).toBe(true);
    await page.selectOption('#feed-filter', '');
    await page.screenshot({ path: screenshotPath('console.png') });
    await page.close();
  });

  it('lists pending dead letters, replays one out of the pending view and discards another; retries a parked outbox row', async () => {
    const page = await stack.newPage();
    const admin = await createAdmin();
    // Two dead letters as the broker's sink stores them, of a type no other test makes.
    const type = `test.web.${randomUUID().slice(0, 8)}`;
    const toReplay = randomUUID();
    const toDiscard = randomUUID();
    for (const id of [toReplay, toDiscard]) {
      await insertDeadLetter({
        source: '/test/web', id, type, subject: id, error_dest: 'http://drivers-rating.microride.svc.cluster.local', error_code: 500,
        error_data: Buffer.from('rating store down').toString('base64'), error_text: 'rating store down',
        event: JSON.stringify({ specversion: '1.0', id, source: '/test/web', type, subject: id, time: new Date().toISOString(), datacontenttype: 'application/json', data: { n: 1 }, knativeerrorcode: '500' }),
      });
    }
    // A parked row of rides' outbox, as a relay leaves it after the Broker refused it.
    const parkedId = randomUUID();
    await db()(`${schemaName('rides')}.outbox`).insert({
      id: parkedId, source: '/microride/rides-rate', type: 'microride.ride.rated', subject: parkedId, time: new Date(),
      data: JSON.stringify({ rideId: parkedId, riderId: randomUUID(), driverId: randomUUID(), stars: 5 }),
      created_at: db().raw(`now() - interval '1 minute'`), attempts: 3, next_attempt_at: 'infinity', last_error: 'broker answered 400',
    });
    const login = await post(stack.url, '/api/v1/auth/login', { email: admin.email, password: admin.password });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const deadLetterIds = async () => {
      const r = await fetch(`${stack.url}/api/v1/admin/deadletters?type=${type}&replayed=false`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(r.status).toBe(200);
      return new Map(((await r.json()) as { items: { id: string; eventId: string }[] }).items.map((d) => [d.eventId, d.id]));
    };
    const ids = await deadLetterIds();
    const replayRow = `#deadletters tr[data-id="${ids.get(toReplay)}"]`;
    const discardRow = `#deadletters tr[data-id="${ids.get(toDiscard)}"]`;

    await page.goto(`${stack.url}/ops`);
    await signIn(page, admin.email, admin.password);
    await page.waitForSelector('#channel-state[data-state=open]', { timeout: 15_000 });
    await page.click('button[data-tab="Dead letters"]');
    await page.waitForSelector(replayRow, { timeout: 10_000 });
    await page.waitForSelector(discardRow, { timeout: 10_000 });
    expect(await page.textContent(replayRow)).toContain('rating store down');
    await page.screenshot({ path: screenshotPath('console-deadletters.png') });

    // Replay: the endpoint marks it replayed, so it leaves the pending view and shows under "replayed".
    await page.click(`${replayRow} button[data-action=replay]`);
    await page.waitForSelector('#deadletters-note[data-outcome=replayed]', { timeout: 10_000 });
    await page.waitForSelector(replayRow, { state: 'detached', timeout: 10_000 });
    expect(await page.locator(discardRow).count()).toBe(1);
    expect((await deadLetterIds()).has(toReplay)).toBe(false);
    await page.selectOption('#deadletters-filter', 'true');
    await page.waitForSelector(replayRow, { timeout: 10_000 });
    expect(await page.textContent(replayRow)).toContain('1 (last ');
    await page.selectOption('#deadletters-filter', 'false');
    await page.waitForSelector(discardRow, { timeout: 10_000 });

    // Discard deletes it for good: gone from every view and from the API.
    await page.click(`${discardRow} button[data-action=discard]`);
    await page.waitForSelector('#deadletters-note[data-outcome=discarded]', { timeout: 10_000 });
    await page.waitForSelector(discardRow, { state: 'detached', timeout: 10_000 });
    const gone = await fetch(`${stack.url}/api/v1/admin/deadletters?type=${type}`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await gone.json()) as { items: { eventId: string }[] }).items.map((d) => d.eventId)).toEqual([toReplay]);

    // The parked outbox row shows (all services, then rides); retry makes it due, so it leaves the parked view.
    await page.click('button[data-tab="Parked outbox"]');
    const parkedRow = `#outbox tr[data-id="${parkedId}"]`;
    await page.waitForSelector(parkedRow, { timeout: 10_000 });
    await page.selectOption('#outbox-service', 'rides');
    await page.waitForSelector('#outbox-total', { timeout: 10_000 });
    await page.waitForSelector(parkedRow, { timeout: 10_000 });
    expect(await page.textContent(parkedRow)).toContain('broker answered 400');
    await page.screenshot({ path: screenshotPath('console-outbox.png') });
    await page.click(`${parkedRow} button[data-action=retry]`);
    await page.waitForSelector('#outbox-note[data-outcome=retried]', { timeout: 10_000 });
    await page.waitForSelector(parkedRow, { state: 'detached', timeout: 10_000 });
    // The outbox relay publishes the row and removes it from the outbox.
    await eventually(async () => ((await db()(`${schemaName('rides')}.outbox`).where({ id: parkedId })).length === 0 ? true : undefined), 20_000, 'the retried outbox row published');
    await page.close();
  }, 90_000);
});
