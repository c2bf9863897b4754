/**
 * Transactional outbox: events commit (or vanish) with the state change; the committing
 * process publishes them at once and deletes the rows; what it could not publish, the
 * relay does after the grace period, backing off per row while the sink fails, surviving a
 * restart, and two relays never send a row twice.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { logger } from '../../platform/logger.js';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { provideSettings } from '../../platform/config.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import { changeWithEvent, derivedEventCte, enqueueEvent, outboxMigration, outboxPublishOnCommitMigration, settlePublishes, startOutboxRelay, type OutboxRelay } from '../../platform/events/outbox.js';
import { sleep, startSubscriber, type Subscriber } from './helpers.js';
import { freePort } from '../helpers/free-port.js';

const SERVICE = 'evoutbox';
const spec = { name: 'rides-decline', service: SERVICE, emits: ['microride.ride.declined'] };
const table = () => `${schemaName(SERVICE)}.outbox`;

const decline = () => {
  const rideId = randomUUID();
  return { type: 'microride.ride.declined' as const, subject: rideId, data: { rideId, driverId: randomUUID() } };
};

async function commitEvents(n = 1): Promise<string[]> {
  return db().transaction(async (trx) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await enqueueEvent(trx, spec, decline())).id);
    return ids;
  });
}

const rowOf = async (id: string) =>
  (await db()(table()).where({ id }).first()) as { attempts: number; next_attempt_at: Date; last_error: string | null } | undefined;

/** Where publish on commit sends (K_SINK); undefined = nowhere, so only a relay publishes. */
function publishOnCommitTo(url: string | undefined): void {
  provideSettings({ K_SINK: url });
}

async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let sink: Subscriber;
let failing = false;
const rejectedSubject = randomUUID();

beforeAll(async () => {
  await migrate(SERVICE, [
    outboxMigration('001_outbox'),
    outboxPublishOnCommitMigration('002_outbox_publish_on_commit'),
    {
      name: '003_things',
      async up(knex, s) {
        await knex.schema.withSchema(s).createTable('things', (t) => {
          t.uuid('id').primary();
          t.text('status').notNullable();
          t.text('tag').unique();
        });
      },
      async down(knex, s) {
        await knex.schema.withSchema(s).dropTableIfExists('things');
      },
    },
  ]);
  sink = await startSubscriber((r) => (r.event.subject === rejectedSubject ? { status: 400, body: 'bad event' } : failing ? { status: 503 } : { status: 202 }));
});

afterAll(async () => {
  publishOnCommitTo(undefined);
  await settlePublishes();
  await sink.close();
  await dropSchema(SERVICE);
  await closeClients();
});

describe('outbox', () => {
  it('a rolled-back transaction leaves no event; a committed one is published on commit and its row deleted', async () => {
    publishOnCommitTo(sink.url);
    let rolledBack = '';
    await db()
      .transaction(async (trx) => {
        rolledBack = (await enqueueEvent(trx, spec, decline())).id;
        throw new Error('rollback');
      })
      .catch(() => undefined);
    const t0 = performance.now();
    const [id] = await commitEvents();
    await until('delivery', async () => sink.received.some((r) => r.event.id === id), 5_000);
    const latency = performance.now() - t0;
    const got = sink.received.find((r) => r.event.id === id)!;
    expect(got.event.source).toBe('/microride/rides-decline');
    expect(got.event.type).toBe('microride.ride.declined');
    // No relay runs here: only publish on commit can have sent it.
    expect(latency).toBeLessThan(1_000);
    await settlePublishes();
    expect(await rowOf(id!)).toBeUndefined();
    expect(await rowOf(rolledBack)).toBeUndefined();
    expect(sink.received.some((r) => r.event.id === rolledBack)).toBe(false);
  });

  it('changeWithEvent: the change and its event in one statement; no change, no event; a failed change, no event', async () => {
    publishOnCommitTo(sink.url);
    const things = () => db()(`${schemaName(SERVICE)}.things`);
    const id = randomUUID();
    await things().insert({ id, status: 'open', tag: `t-${id}` });
    const move = (from: string, to: string) => things().where({ id, status: from }).update({ status: to }).returning('*');

    const e1 = decline();
    const moved = await changeWithEvent<{ id: string; status: string }, 'microride.ride.declined'>(spec, move('open', 'closed'), e1);
    expect(moved).toEqual({ id, status: 'closed', tag: `t-${id}` });
    await until('delivery', async () => sink.received.some((r) => r.event.subject === e1.subject), 5_000);
    const got = sink.received.find((r) => r.event.subject === e1.subject)!;
    expect(got.event.type).toBe('microride.ride.declined');
    expect(got.event.data).toEqual(e1.data);
    await settlePublishes();
    expect(await db()(table()).where({ subject: e1.subject }).first()).toBeUndefined();

    // The guard fails (already closed): nothing changes, nothing is written or sent.
    const e2 = decline();
    expect(await changeWithEvent(spec, move('open', 'closed'), e2)).toBeUndefined();
    // The change itself fails (unique tag): the statement is undone, event row included.
    const e3 = decline();
    const clash = things().insert({ id: randomUUID(), status: 'open', tag: `t-${id}` }).returning('*');
    await expect(changeWithEvent(spec, clash, e3)).rejects.toMatchObject({ code: '23505' });
    // An invalid event is refused before anything is written.
    await expect(changeWithEvent(spec, move('closed', 'open'), { ...decline(), data: { rideId: 'not-a-uuid' } } as never)).rejects.toThrow();
    expect((await things().where({ id }).first()).status).toBe('closed');
    await settlePublishes();
    expect(await db()(table()).whereIn('subject', [e2.subject, e3.subject]).first()).toBeUndefined();
    expect(sink.received.some((r) => r.event.subject === e2.subject || r.event.subject === e3.subject)).toBe(false);
  });

  it('changeWithEvent fromRow: an id the event carries is taken from the changed row, in the outbox row and the event sent', async () => {
    publishOnCommitTo(sink.url);
    const things = () => db()(`${schemaName(SERVICE)}.things`);
    const id = randomUUID();
    await things().insert({ id, status: 'open', tag: `t-${id}` });
    const rideId = randomUUID();
    const moved = await changeWithEvent<{ id: string }, 'microride.ride.declined', 'driverId'>(
      spec,
      things().where({ id, status: 'open' }).update({ status: 'closed' }).returning('*'),
      { type: 'microride.ride.declined', subject: rideId, data: { rideId } },
      { fromRow: { driverId: 'id' } },
    );
    expect(moved?.id).toBe(id);
    await until('delivery', async () => sink.received.some((r) => r.event.subject === rideId), 5_000);
    expect(sink.received.find((r) => r.event.subject === rideId)!.event.data).toEqual({ rideId, driverId: id });
    // The rest of the event is still checked before the write: a bad ride id writes nothing.
    await expect(
      changeWithEvent<{ id: string }, 'microride.ride.declined', 'driverId'>(spec, things().where({ id }).update({ status: 'open' }).returning('*'), { type: 'microride.ride.declined', subject: rideId, data: { rideId: 'nope' } }, { fromRow: { driverId: 'id' } }),
    ).rejects.toThrow();
    expect((await things().where({ id }).first()).status).toBe('closed');
  });

  it('derivedEventCte: the statement completes the event; its outbox row is the event a relay sends', async () => {
    publishOnCommitTo(undefined);
    const things = () => db()(`${schemaName(SERVICE)}.things`);
    const id = randomUUID();
    await things().insert({ id, status: 'open', tag: `t-${id}` });
    const head = { type: 'microride.ride.declined' as const, subject: randomUUID(), id: randomUUID(), time: new Date().toISOString() };
    // The driver comes from the row the statement changed (here: the thing's id).
    const cte = (status: string) =>
      derivedEventCte(spec, head, { sql: `jsonb_build_object('rideId', ?::text, 'driverId', moved.id)`, bindings: [head.subject] }, `moved`);
    const run = async (from: string) => {
      const q = cte(from);
      return (await db().raw(
        `with moved as (update ?? set status = 'closed' where id = ? and status = ? returning id), queued as (${q.sql}) select count(*)::int as n from moved`,
        [`${schemaName(SERVICE)}.things`, id, from, ...q.bindings],
      )) as { rows: { n: number }[] };
    };
    expect((await run('open')).rows[0]!.n).toBe(1);
    const row = (await db()(table()).where({ id: head.id }).first()) as { source: string; type: string; subject: string; time: Date; data: unknown };
    expect(row).toMatchObject({ source: '/microride/rides-decline', type: head.type, subject: head.subject, data: { rideId: head.subject, driverId: id } });
    expect(row.time.toISOString()).toBe(head.time);
    // No row from the statement, no event (the same event id again would also have been a key violation).
    expect((await run('open')).rows[0]!.n).toBe(0);
    expect(await db()(table()).where({ subject: head.subject })).toHaveLength(1);
    const relay = await startOutboxRelay({ services: [SERVICE], sink: sink.url, graceMs: 0, pollIntervalMs: 50 });
    try {
      await until('relayed', async () => sink.received.find((r) => r.event.id === head.id), 5_000);
      expect(sink.received.find((r) => r.event.id === head.id)!.event.data).toEqual({ rideId: head.subject, driverId: id });
    } finally {
      await relay.close();
    }
  });

  it('the relay publishes what the committing process did not, after the grace period, and deletes it', async () => {
    publishOnCommitTo(undefined);
    const relay = await startOutboxRelay({ services: [SERVICE], sink: sink.url, graceMs: 300, pollIntervalMs: 50 });
    try {
      const before = performance.now();
      const [id] = await commitEvents();
      await until('delivery', async () => sink.received.some((r) => r.event.id === id), 3_000);
      // Not before the grace period (the row's created_at is after `before`); a few ms of
      // slack for the two clocks (PostgreSQL's now(), this process's).
      expect(sink.received.find((r) => r.event.id === id)!.at - before).toBeGreaterThanOrEqual(280);
      await until('row deleted', async () => (await rowOf(id!)) === undefined);
    } finally {
      await relay.close();
    }
  });

  it('an idle relay asks with one plain statement per poll, and opens a transaction only when a row is due', async () => {
    publishOnCommitTo(undefined);
    const sqls: string[] = [];
    const onQuery = (q: { sql: string }) => sqls.push(q.sql);
    const relay = await startOutboxRelay({ services: [SERVICE], sink: sink.url, graceMs: 0, pollIntervalMs: 30 });
    try {
      await sleep(50); // whatever an earlier test left due is sent by the first pass
      db().on('query', onQuery);
      await sleep(300);
      db().off('query', onQuery);
      const idle = sqls.splice(0);
      expect(idle.length, 'polls seen').toBeGreaterThanOrEqual(3);
      expect(idle.filter((q) => !/^select 1 as due from /.test(q)), 'statements besides the look').toEqual([]);

      const [id] = await commitEvents();
      db().on('query', onQuery);
      await until('delivery', async () => sink.received.some((r) => r.event.id === id), 3_000);
      db().off('query', onQuery);
      expect(sqls.some((q) => q === 'BEGIN;'), 'a transaction for the due row').toBe(true);
      expect(sqls.some((q) => /for update skip locked/.test(q)), 'rows claimed FOR UPDATE SKIP LOCKED').toBe(true);
      await until('row deleted', async () => (await rowOf(id!)) === undefined);
    } finally {
      db().off('query', onQuery);
      await relay.close();
    }
  });

  it('a failed publish on commit is recorded on the row; the relay backs off per row while the sink fails, then delivers', async () => {
    failing = true;
    publishOnCommitTo(sink.url);
    const [id] = await commitEvents();
    await settlePublishes();
    const first = (await rowOf(id!))!;
    expect(first.attempts).toBe(1);
    expect(first.last_error).toMatch(/503/);
    expect(new Date(first.next_attempt_at).getTime()).toBeGreaterThan(Date.now());
    const relay = await startOutboxRelay({ services: [SERVICE], sink: sink.url, graceMs: 0, baseBackoffMs: 100, maxBackoffMs: 400, pollIntervalMs: 50 });
    try {
      const row = await until('a few failed attempts', async () => {
        const r = await rowOf(id!);
        return r && r.attempts >= 3 && r;
      });
      expect(row.last_error).toMatch(/503/);
      expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() - 50);
      failing = false;
      await until('delivered and deleted', async () => (await rowOf(id!)) === undefined);
      // Three or more tries reached the sink; the row is gone only after one was accepted.
      expect(sink.received.filter((r) => r.event.id === id).length).toBeGreaterThanOrEqual(4);
    } finally {
      failing = false;
      await relay.close();
    }
  });

  it('keeps rows while the sink is unreachable (also across a relay restart) and delivers when it is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    publishOnCommitTo(undefined);
    let relay: OutboxRelay = await startOutboxRelay({ services: [SERVICE], sink: url, graceMs: 0, baseBackoffMs: 50, maxBackoffMs: 200, pollIntervalMs: 200 });
    const ids = await commitEvents(5);
    await until('failed attempts', async () => ((await rowOf(ids[0]!))?.attempts ?? 0) >= 2);
    await relay.close(); // "crash"
    expect(await rowOf(ids[0]!)).toBeDefined();
    // The sink comes up on the port the relay knows; a fresh relay picks up the rows.
    const late = await startSubscriber(undefined, port);
    try {
      relay = await startOutboxRelay({ services: [SERVICE], sink: url, graceMs: 0, baseBackoffMs: 50, maxBackoffMs: 200, pollIntervalMs: 200 });
      await until('all delivered', async () => ids.every((id) => late.received.some((r) => r.event.id === id)));
      await until('all deleted', async () => (await Promise.all(ids.map(rowOf))).every((r) => r === undefined));
    } finally {
      await relay.close();
      await late.close();
    }
  });

  it('parks an event the broker rejects outright (400) instead of retrying it for ever', async () => {
    publishOnCommitTo(sink.url);
    const relay = await startOutboxRelay({ services: [SERVICE], sink: sink.url, graceMs: 0, pollIntervalMs: 100 });
    const alerts = vi.spyOn(logger(), 'error');
    try {
      const id = await db().transaction(async (trx) => {
        const e = decline();
        return (await enqueueEvent(trx, spec, { ...e, subject: rejectedSubject })).id;
      });
      const row = await until('parked', async () => {
        const r = (await db()(table()).where({ id }).select(db().raw(`next_attempt_at = 'infinity' as parked`), 'attempts', 'last_error').first()) as { parked: boolean; attempts: number; last_error: string | null } | undefined;
        return r?.parked ? r : undefined;
      });
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/400/);
      await sleep(300);
      expect(sink.received.filter((r) => r.event.id === id)).toHaveLength(1);
      // Parked by publish on commit: one alert-worthy line for it.
      const lines = alerts.mock.calls.filter(([o]) => (o as { id?: string }).id === id);
      expect(lines).toHaveLength(1);
      expect(lines[0]![0]).toMatchObject({ alert: 'outbox_parked', service: SERVICE, id, type: 'microride.ride.declined' });
    } finally {
      alerts.mockRestore();
      await relay.close();
    }
  });

  it('a row the relay parks logs one error line with alert "outbox_parked" per row', async () => {
    publishOnCommitTo(undefined);
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const relay = await startOutboxRelay({ services: [SERVICE], sink: sink.url, graceMs: 0, pollIntervalMs: 50, log });
    try {
      const ids = await db().transaction(async (trx) => [
        (await enqueueEvent(trx, spec, { ...decline(), subject: rejectedSubject })).id,
        (await enqueueEvent(trx, spec, { ...decline(), subject: rejectedSubject })).id,
      ]);
      await until('both parked', async () => {
        const n = (await db()(table()).whereIn('id', ids).andWhereRaw(`next_attempt_at = 'infinity'`).count({ n: '*' }).first()) as { n: string };
        return Number(n.n) === 2;
      });
      const alerts = lines.filter((l) => l.alert === 'outbox_parked');
      expect(alerts.map((l) => l.id).sort()).toEqual([...ids].sort());
      for (const a of alerts) expect(a).toMatchObject({ level: 50, service: SERVICE, type: 'microride.ride.declined', error: expect.stringMatching(/400/) });
    } finally {
      await relay.close();
    }
  });

  it('two relays on one outbox (FOR UPDATE SKIP LOCKED) publish each row once', async () => {
    publishOnCommitTo(undefined);
    const counting = await startSubscriber(async () => {
      await sleep(2);
      return { status: 202 };
    });
    const a = await startOutboxRelay({ services: [SERVICE], sink: counting.url, graceMs: 0, batchSize: 20, pollIntervalMs: 50 });
    const b = await startOutboxRelay({ services: [SERVICE], sink: counting.url, graceMs: 0, batchSize: 20, pollIntervalMs: 50 });
    try {
      const ids = (await Promise.all(Array.from({ length: 10 }, () => commitEvents(20)))).flat();
      await until('200 deliveries', async () => new Set(counting.received.map((r) => r.event.id)).size >= ids.length || undefined, 20_000);
      await a.flush();
      await b.flush();
      const published = counting.received.map((r) => r.event.id).filter((id) => ids.includes(id));
      expect(new Set(published).size).toBe(200);
      expect(published).toHaveLength(200);
    } finally {
      await a.close();
      await b.close();
      await counting.close();
    }
  });
});
