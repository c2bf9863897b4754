/**
 * The operations on what the platform could not deliver, against the whole platform with
 * the real broker on RabbitMQ: dead letters listed with their knativeerror* data, replayed
 * to the Broker (processed once by idempotent consumers, however often replayed) and
 * discarded; parked outbox rows listed and retried through the outbox relay.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useRidesPlatform, type EventLog } from '../rides/harness.js';
import { call, eventually, newArea, newDriver, newRider, rideIn, type Driver } from '../rides/client.js';
import type { Session } from '../helpers/users.js';
import { insertDeadLetter } from '../../functions/eventing/store.js';
import { db, schemaName } from '../../platform/clients.js';
import { newAdmin } from './helpers.js';

const env = useRidesPlatform();

interface DeadLetterView {
  id: string;
  eventId: string;
  type: string;
  knativeerrordest: string;
  knativeerrorcode: number | null;
  knativeerrordata: string | null;
  errorText: string | null;
  replays: number;
  replayedAt: string | null;
  event: Record<string, unknown>;
}
interface Page<T> {
  items: T[];
  total: number;
}
interface ReplayResult {
  results: { id: string; outcome: string; eventId?: string; replays?: number }[];
}

/** Stores `event` as the broker's dead-letter sink would after `dest` answered 500. */
async function deadLetter(event: { id: string; source: string; type: string; subject: string; data: unknown }, dest: string): Promise<void> {
  const body = Buffer.from('rating store down').toString('base64');
  const structured = {
    specversion: '1.0',
    ...event,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    knativebrokerttl: '254',
    knativeerrordest: dest,
    knativeerrorcode: '500',
    knativeerrordata: body,
  };
  await insertDeadLetter({
    source: event.source,
    id: event.id,
    type: event.type,
    subject: event.subject,
    error_dest: dest,
    error_code: 500,
    error_data: body,
    error_text: 'rating store down',
    event: JSON.stringify(structured),
  });
}

async function deadLetterOf(admin: Session, eventId: string): Promise<DeadLetterView> {
  const page = await call<Page<DeadLetterView>>(env.url, 'GET', '/api/v1/admin/deadletters?limit=100', admin);
  expect(page.status).toBe(200);
  const found = page.body.items.find((d) => d.eventId === eventId);
  if (!found) throw new Error(`dead letter of ${eventId} not listed`);
  return found;
}

const rating = async (driver: Driver, rider: Session) =>
  (await call<{ rating: { average: number | null; count: number } }>(env.url, 'GET', `/api/v1/drivers/${driver.id}`, rider)).body.rating;

/** How many times the observer Trigger has seen an event id (the original and each replay). */
const seen = (events: EventLog, id: string) => events.all.filter((e) => e.id === id).length;

describe('dead letters', () => {
  it('replaying a consumed event and a dead-lettered one, twice each: every effect happens once', async () => {
    const admin = await newAdmin(env.url);
    const a = newArea();
    const rider = await newRider(env.url);
    const driver = await newDriver(env.url, a.at(100));
    const dest = 'http://drivers-rating.microride.svc.cluster.local';

    // Ride A: rated normally, so drivers-rating has counted it; its event is then
    // dead-lettered anyway (as if another Trigger had given up on it).
    const rideA = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
    expect((await call(env.url, 'POST', `/api/v1/rides/${rideA.id}/rating`, rider, { stars: 5 })).status).toBe(200);
    const ratedA = await env.events.waitFor((e) => e.type === 'microride.ride.rated' && e.data.rideId === rideA.id);
    await eventually(async () => ((await rating(driver, rider)).count === 1 ? true : undefined));
    await deadLetter({ id: ratedA.id, source: ratedA.source, type: ratedA.type, subject: rideA.id, data: ratedA.data }, dest);

    // Ride B: its rating event never reached drivers-rating; only the dead letter has it.
    const rideB = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
    const idB = randomUUID();
    await deadLetter({ id: idB, source: '/microride/rides-rate', type: 'microride.ride.rated', subject: rideB.id, data: { rideId: rideB.id, riderId: rider.user.id, driverId: driver.id, stars: 3 } }, dest);

    const dlA = await deadLetterOf(admin, ratedA.id);
    const dlB = await deadLetterOf(admin, idB);
    expect(dlB).toMatchObject({ type: 'microride.ride.rated', knativeerrordest: dest, knativeerrorcode: 500, errorText: 'rating store down', replays: 0, replayedAt: null });
    expect(dlB.knativeerrordata).toBe(Buffer.from('rating store down').toString('base64'));

    for (let round = 1; round <= 2; round++) {
      const r = await call<ReplayResult>(env.url, 'POST', '/api/v1/admin/deadletters/replay', admin, { ids: [dlA.id, dlB.id] });
      expect(r.status).toBe(200);
      expect(r.body.results).toEqual([
        { id: dlA.id, outcome: 'replayed', eventId: ratedA.id, replays: round },
        { id: dlB.id, outcome: 'replayed', eventId: idB, replays: round },
      ]);
    }
    // The Broker routed every replay (the observer Trigger saw each), with the original id.
    await eventually(async () => (seen(env.events, ratedA.id) >= 3 && seen(env.events, idB) >= 2 ? true : undefined));
    const replayedB = env.events.all.filter((e) => e.id === idB);
    expect(replayedB.every((e) => e.source === '/microride/rides-rate' && e.data.stars === 3)).toBe(true);

    // Ride C, rated after the replays: once drivers-rating has counted it, it has been
    // through the replays published before it.
    const rideC = await rideIn(env.url, env.events, rider, driver, 'completed', a.at(0), a.at(2_000));
    expect((await call(env.url, 'POST', `/api/v1/rides/${rideC.id}/rating`, rider, { stars: 4 })).status).toBe(200);
    const final = await eventually(async () => {
      const r = await rating(driver, rider);
      return r.count >= 3 ? r : undefined;
    }, 15_000, 'ride C counted');
    // A once (not again by its replays), B once (by its first replay), C once.
    expect(final).toEqual({ count: 3, average: 4 });

    const listed = await deadLetterOf(admin, idB);
    expect(listed.replays).toBe(2);
    expect(listed.replayedAt).not.toBeNull();
    const notReplayed = await call<Page<DeadLetterView>>(env.url, 'GET', '/api/v1/admin/deadletters?replayed=false&limit=100', admin);
    expect(notReplayed.body.items.map((d) => d.id)).not.toContain(dlB.id);
  });

  it('replay reports unknown ids; discard deletes once; bad bodies are 422', async () => {
    const admin = await newAdmin(env.url);
    const type = `test.admin.${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    await deadLetter({ id, source: '/test/admin', type, subject: 'x', data: { n: 1 } }, 'http://nowhere.invalid');
    const page = await call<Page<DeadLetterView>>(env.url, 'GET', `/api/v1/admin/deadletters?type=${type}`, admin);
    expect(page.body.total).toBe(1);
    const dl = page.body.items[0]!;
    expect(dl.event).toMatchObject({ id, type, knativeerrorcode: '500' });

    const unknown = randomUUID();
    const r = await call<ReplayResult>(env.url, 'POST', '/api/v1/admin/deadletters/replay', admin, { ids: [unknown, dl.id] });
    expect(r.body.results.map((x) => [x.id, x.outcome])).toEqual([
      [unknown, 'not_found'],
      [dl.id, 'replayed'],
    ]);
    // Sent without the broker's failure attributes, as its producer sent it.
    const replayed = await env.events.waitFor((e) => e.id === id);
    expect(replayed.type).toBe(type);

    expect((await call(env.url, 'DELETE', `/api/v1/admin/deadletters/${dl.id}`, admin)).status).toBe(204);
    expect((await call(env.url, 'DELETE', `/api/v1/admin/deadletters/${dl.id}`, admin)).status).toBe(404);
    expect((await call<Page<DeadLetterView>>(env.url, 'GET', `/api/v1/admin/deadletters?type=${type}`, admin)).body.total).toBe(0);

    for (const body of [{}, { ids: [] }, { ids: ['nope'] }, { ids: [randomUUID()], extra: 1 }]) {
      expect((await call(env.url, 'POST', '/api/v1/admin/deadletters/replay', admin, body)).status, JSON.stringify(body)).toBe(422);
    }
    expect((await call(env.url, 'DELETE', '/api/v1/admin/deadletters/nope', admin)).status).toBe(422);
  });
});

describe('parked outbox rows', () => {
  /** A row of rides' outbox as a relay leaves it after the Broker refused it (parked) or while it backs off. */
  async function outboxRow(nextAttempt: 'infinity' | 'later'): Promise<{ id: string; rideId: string }> {
    const id = randomUUID();
    const rideId = randomUUID();
    await db()(`${schemaName('rides')}.outbox`).insert({
      id,
      source: '/microride/rides-rate',
      type: 'microride.ride.rated',
      subject: rideId,
      time: new Date(),
      data: JSON.stringify({ rideId, riderId: randomUUID(), driverId: randomUUID(), stars: 5 }),
      created_at: db().raw(`now() - interval '1 minute'`),
      attempts: 3,
      next_attempt_at: nextAttempt === 'infinity' ? 'infinity' : db().raw(`now() + interval '1 hour'`),
      last_error: 'broker answered 400',
    });
    return { id, rideId };
  }

  it('lists parked rows per service; a retry makes the relay publish the row', async () => {
    const admin = await newAdmin(env.url);
    const parked = await outboxRow('infinity');
    const list = await call<Page<{ id: string; service: string; type: string; attempts: number; lastError: string | null; data: { rideId: string } }>>(
      env.url,
      'GET',
      '/api/v1/admin/outbox/parked?service=rides&limit=100',
      admin,
    );
    expect(list.status).toBe(200);
    expect(list.body.items.find((r) => r.id === parked.id)).toMatchObject({ service: 'rides', type: 'microride.ride.rated', attempts: 3, lastError: 'broker answered 400', data: { rideId: parked.rideId } });
    const all = await call<Page<{ id: string }>>(env.url, 'GET', '/api/v1/admin/outbox/parked?limit=100', admin);
    expect(all.body.items.map((r) => r.id)).toContain(parked.id);
    const elsewhere = await call<Page<{ id: string }>>(env.url, 'GET', '/api/v1/admin/outbox/parked?service=payments&limit=100', admin);
    expect(elsewhere.body.items.map((r) => r.id)).not.toContain(parked.id);

    const retried = await call<{ id: string; attempts: number }>(env.url, 'POST', `/api/v1/admin/outbox/rides/${parked.id}/retry`, admin);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: parked.id, attempts: 0 });
    const published = await env.events.waitFor((e) => e.id === parked.id, 15_000, 'the retried outbox row');
    expect(published.data.rideId).toBe(parked.rideId);
    // Published rows leave the outbox.
    await eventually(async () => ((await db()(`${schemaName('rides')}.outbox`).where({ id: parked.id })).length === 0 ? true : undefined));
    expect((await call(env.url, 'POST', `/api/v1/admin/outbox/rides/${parked.id}/retry`, admin)).status).toBe(404);
  });

  it('409 for a row a relay is still retrying, 422 for an unknown service or bad id', async () => {
    const admin = await newAdmin(env.url);
    const busy = await outboxRow('later');
    const r = await call(env.url, 'POST', `/api/v1/admin/outbox/rides/${busy.id}/retry`, admin);
    expect(r.status).toBe(409);
    expect((await call(env.url, 'POST', `/api/v1/admin/outbox/nowhere/${busy.id}/retry`, admin)).status).toBe(422);
    expect((await call(env.url, 'POST', '/api/v1/admin/outbox/rides/nope/retry', admin)).status).toBe(422);
    expect((await call(env.url, 'GET', '/api/v1/admin/outbox/parked?service=nowhere', admin)).status).toBe(422);
    await db()(`${schemaName('rides')}.outbox`).where({ id: busy.id }).delete();
  });
});
