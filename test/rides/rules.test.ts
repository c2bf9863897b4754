/** Authorization and bad input: who may see and move a ride, and what is refused. */
import { describe, expect, it } from 'vitest';
import { useRidesPlatform } from './harness.js';
import { call, eventually, newArea, newDriver, newRider, offered, quote, requestRide, rideIn, startWithCode, type RideView } from './client.js';
import { signQuote } from '../../functions/analysis/quote-token.js';

const env = useRidesPlatform();

describe('authorization', () => {
  it('a rider cannot see, list or cancel another rider’s ride', async () => {
    const a = newArea();
    const [owner, other] = await Promise.all([newRider(env.url), newRider(env.url)]);
    const ride = await requestRide(env.url, owner, a.at(0), a.at(2_000));
    expect((await call(env.url, 'GET', `/api/v1/rides/${ride.id}`, other)).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, other)).status).toBe(404);
    const list = await call<{ items: RideView[] }>(env.url, 'GET', '/api/v1/rides', other);
    expect(list.body.items.map((r) => r.id)).not.toContain(ride.id);
    expect((await call(env.url, 'GET', `/api/v1/rides/${ride.id}`)).status).toBe(401);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, owner)).status).toBe(200);
  });

  it('a driver who was not offered the ride cannot accept it; a rider cannot accept at all', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const stranger = await newDriver(env.url, newArea().at(0));
    const ride = await requestRide(env.url, rider, a.at(0), a.at(2_000));
    await offered(env.events, ride.id, driver.id);
    const r = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, stranger.session);
    expect(r.status).toBe(403);
    expect(String(r.body.detail)).toMatch(/not offered/);
    expect((await call(env.url, 'GET', `/api/v1/rides/${ride.id}`, stranger.session)).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/decline`, stranger.session)).status).toBe(403);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, rider)).status).toBe(403);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
  });

  it('only the assigned driver moves the ride forward; only its rider rates it', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const other = await newDriver(env.url, a.at(150));
    const ride = await rideIn(env.url, env.events, rider, driver, 'accepted', a.at(0), a.at(2_000));
    // `other` was offered the ride too (same round) but lost: 403, not the state.
    for (const action of ['arrived', 'start', 'complete']) {
      // A well-formed start (a code) so the refusal is about who asks, not the body.
      const body = action === 'start' ? { pickupCode: '0000' } : undefined;
      const r = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/${action}`, other.session, body);
      expect(r.status, action).toBe(403);
      expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/${action}`, rider, body)).status).toBe(403);
    }
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, other.session)).status).toBe(404);
    const done = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/arrived`, driver.session);
    expect(done.status).toBe(200);
    await startWithCode(env.url, rider, driver, ride.id);
    await call(env.url, 'POST', `/api/v1/rides/${ride.id}/complete`, driver.session);
    const stranger = await newRider(env.url);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/rating`, stranger, { stars: 1 })).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/rating`, driver.session, { stars: 1 })).status).toBe(403);
    expect((await call(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, stranger)).status).toBe(404);
    // The simulated gateway's controls are for admins (dev mode is off here).
    const payment = await eventually(async () => {
      const p = await call<{ payment: { id: string } }>(env.url, 'GET', `/api/v1/rides/${ride.id}/payment`, rider);
      return p.status === 200 ? p.body.payment : undefined;
    });
    expect((await call(env.url, 'POST', `/api/v1/payments/${payment.id}/simulate`, rider, { outcome: 'fail' })).status).toBe(403);
    expect((await call(env.url, 'POST', `/api/v1/payments/${payment.id}/refund`, rider, {})).status).toBe(403);
    // Both parties see the ride in their history.
    const theirs = await call<{ items: RideView[] }>(env.url, 'GET', '/api/v1/rides', driver.session);
    expect(theirs.body.items.map((r) => r.id)).toContain(ride.id);
  });
});

describe('bad input', () => {
  it('coordinates out of range and pickup = dropoff are refused at the quote', async () => {
    const rider = await newRider(env.url);
    const bad = await call<{ errors: { path: string }[] }>(env.url, 'POST', '/api/v1/quotes', rider, {
      pickup: { lat: 91, lon: 0 }, dropoff: { lat: 0, lon: 181 }, vehicleClass: 'economy',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['dropoff.lon', 'pickup.lat']);
    const same = await call(env.url, 'POST', '/api/v1/quotes', rider, { pickup: { lat: 52.5, lon: 13.4 }, dropoff: { lat: 52.5, lon: 13.4 }, vehicleClass: 'economy' });
    expect(same.status).toBe(422);
  });

  it('a retry with the same Idempotency-Key after the quote expired still answers with the ride it made', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const q = await quote(env.url, rider, a.at(0), a.at(2_000));
    const { quoteId: _id, ...body } = q;
    const soon = await signQuote({ ...(body as unknown as Parameters<typeof signQuote>[0]), expiresAt: new Date(Date.now() + 1_500).toISOString() });
    const post = () => call<RideView>(env.url, 'POST', '/api/v1/rides', rider, { quoteId: soon }, { 'idempotency-key': 'late-retry' });
    const first = await post();
    expect(first.status).toBe(201);
    await new Promise((r) => setTimeout(r, 2_600)); // past exp (whole seconds)
    const retry = await post();
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    // The quote has expired indeed: under another key it makes nothing.
    const fresh = await call(env.url, 'POST', '/api/v1/rides', rider, { quoteId: soon }, { 'idempotency-key': 'another' });
    expect(fresh.status).toBe(422);
    expect(String(fresh.body.detail)).toMatch(/expired/);
  });

  it('an expired, tampered, foreign or missing quote makes no ride', async () => {
    const a = newArea();
    const [rider, other] = await Promise.all([newRider(env.url), newRider(env.url)]);
    const q = await quote(env.url, rider, a.at(0), a.at(2_000));
    const post = (quoteId: unknown, who = rider) => call(env.url, 'POST', '/api/v1/rides', who, { quoteId });

    const [head, payload, sig] = q.quoteId.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { q: { fare: { amount: number } } };
    claims.q.fare.amount = 1; // the cheapest ride ever
    const tampered = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const t = await post(tampered);
    expect(t.status).toBe(422);
    expect(String(t.body.detail)).toMatch(/tampered/);

    const { quoteId: _id, ...body } = q;
    const stale = await signQuote({ ...(body as unknown as Parameters<typeof signQuote>[0]), expiresAt: new Date(Date.now() - 1_000).toISOString() });
    const e = await post(stale);
    expect(e.status).toBe(422);
    expect(String(e.body.detail)).toMatch(/expired/);

    expect((await post(q.quoteId, other)).status).toBe(403);
    expect((await post('x'.repeat(20))).status).toBe(422);
    expect((await post(undefined)).status).toBe(422);
    const extra = await call(env.url, 'POST', '/api/v1/rides', rider, { quoteId: q.quoteId, fare: 1 });
    expect(extra.status).toBe(422);
    const list = await call<{ items: RideView[] }>(env.url, 'GET', '/api/v1/rides', rider);
    expect(list.body.items).toHaveLength(0);
  });

  it('unknown and malformed ride ids', async () => {
    const rider = await newRider(env.url);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call(env.url, 'GET', `/api/v1/rides/${unknown}`, rider)).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/rides/${unknown}/cancel`, rider)).status).toBe(404);
    expect((await call(env.url, 'GET', `/api/v1/rides/${unknown}/payment`, rider)).status).toBe(404);
    expect((await call(env.url, 'GET', '/api/v1/rides/not-a-uuid', rider)).status).toBe(422);
    const d = await newDriver(env.url, newArea().at(0));
    expect((await call(env.url, 'POST', `/api/v1/rides/${unknown}/accept`, d.session)).status).toBe(404);
    expect((await call(env.url, 'POST', `/api/v1/rides/${unknown}/arrived`, d.session)).status).toBe(404);
  });

  it('an illegal transition is 409 naming the current state', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const ride = await rideIn(env.url, env.events, rider, driver, 'accepted', a.at(0), a.at(2_000));
    for (const action of ['start', 'complete']) {
      const r = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/${action}`, driver.session, action === 'start' ? { pickupCode: '0000' } : undefined);
      expect(r.status).toBe(409);
      expect(r.body.currentStatus).toBe('accepted');
      expect(String(r.body.detail)).toMatch(/accepted/);
    }
    const rate = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/rating`, rider, { stars: 5 });
    expect(rate.status).toBe(409);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/rating`, rider, { stars: 6 })).status).toBe(422);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/accept`, driver.session)).status).toBe(409);
    expect((await call(env.url, 'POST', `/api/v1/rides/${ride.id}/cancel`, rider)).status).toBe(200);
    const after = await call(env.url, 'POST', `/api/v1/rides/${ride.id}/arrived`, driver.session);
    expect(after.status).toBe(409);
    expect(after.body.currentStatus).toBe('cancelled');
  });

  it('paging: limit and cursor walk the history without repeats', async () => {
    const a = newArea();
    const rider = await newRider(env.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await requestRide(env.url, rider, a.at(0), a.at(2_000 + i * 100));
      ids.push(r.id);
      await call(env.url, 'POST', `/api/v1/rides/${r.id}/cancel`, rider);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: RideView[]; nextCursor: string | null } } = await call(
        env.url, 'GET', `/api/v1/rides?limit=2${cursor ? `&cursor=${cursor}` : ''}`, rider,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await call(env.url, 'GET', '/api/v1/rides?cursor=garbage', rider)).status).toBe(422);
    expect((await call(env.url, 'GET', '/api/v1/rides?limit=500', rider)).status).toBe(422);
  });
});
