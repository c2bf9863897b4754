/**
 * The scale family's rides-history curve: GET /api/v1/rides (the rides-list handler called
 * as a function, the real PostgreSQL) for a rider with 1,000 rides, as the rides table grows
 * (e.g. 10k → 100k → 1M rows). In one isolated schema (migrated like the service's own),
 * loaded with generate_series in one INSERT per step; ANALYZE after each step, then the
 * first page and a deep page (the cursor of the 900th ride) timed, and the plan of both
 * read with EXPLAIN: the figures only mean something when the rider's history index is used.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { closeClients, db } from '../platform/clients.js';
import { provideSettings } from '../platform/config.js';
import { dropSchema, migrate } from '../platform/migrate.js';
import { migrations } from '../functions/rides/migrations.js';
import { handle as list } from '../functions/rides/list.js';
import { ridesSchema } from '../functions/rides/store.js';
import { median, percentile } from './lib.js';

const RIDER_RIDES = 1_000;
const PAGE = 20;
const DEEP_AT = 900;
const SPAN_DAYS = 365;

export interface HistoryPoint {
  rows: number;
  firstP50Ms: number;
  firstP99Ms: number;
  deepP50Ms: number;
  deepP99Ms: number;
  loadSeconds: number;
  /** The index the first page's plan reads ('' = none: a scan). */
  firstIndex: string;
  deepIndex: string;
  /** Reference, same process and moment: `select 1` through the same pool. */
  refSelect1P99Ms: number;
}

/** `count` completed rides of `rider` (null: one fresh rider each) spread over the last year. */
async function insertRides(count: number, rider: string | null, from: number): Promise<void> {
  await db().raw(
    `insert into ??.rides (rider_id, driver_id, status, vehicle_class, pickup_lat, pickup_lon, dropoff_lat, dropoff_lon,
       quote, currency, quoted_amount, final_amount, idempotency_key, request_hash, requested_at, completed_at, updated_at)
     select coalesce(?::uuid, gen_random_uuid()), gen_random_uuid(), 'completed', 'economy', 45.46, 9.19, 45.48, 9.21,
       '{"amount":1200}'::jsonb, 'EUR', 1200, 1200, 'bench-' || g, 'h', t, t + interval '20 minutes', t
     from generate_series(?::int, ?::int) g, lateral (select now() - random() * interval '${SPAN_DAYS} days' as t) x`,
    [ridesSchema(), rider, from, from + count - 1],
  );
  await db().raw('analyze ??.rides', [ridesSchema()]);
}

/** Which index (if any) the plan of `sql` reads. */
async function planIndex(sql: Knex.Sql): Promise<string> {
  const r = (await db().raw(`explain (format json) ${sql.sql}`, sql.bindings)) as { rows: { 'QUERY PLAN': unknown }[] };
  const found = /"Index Name":\s*"([^"]+)"/.exec(JSON.stringify(r.rows[0]?.['QUERY PLAN']));
  return found?.[1] ?? '';
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** The whole curve in one schema: rows grow through `sizes` (ascending). */
export async function historyCurve(sizes: readonly number[], reads: number, log: (s: string) => void): Promise<HistoryPoint[]> {
  provideSettings({ PG_SCHEMA_PREFIX: `benchscale_${randomUUID().slice(0, 8)}_` });
  const out: HistoryPoint[] = [];
  try {
    await migrate('rides', migrations);
    const rider = randomUUID();
    const caller = { userId: rider, role: 'rider' as const };
    let t0 = performance.now();
    await insertRides(RIDER_RIDES, rider, 1);
    let rows = RIDER_RIDES;
    for (const size of sizes) {
      await insertRides(size - rows, null, rows + 1);
      rows = size;
      const loadSeconds = (performance.now() - t0) / 1000;
      // The deep cursor: walk to the 900th ride once, as a client paging down would.
      let cursor: string | undefined;
      for (let seen = 0; seen < DEEP_AT; seen += 100) cursor = (await list({ limit: 100, cursor }, caller)).nextCursor ?? undefined;
      if (!cursor) throw new Error('the rider has fewer rides than the deep page needs');
      const check = await list({ limit: PAGE }, caller);
      if (check.items.length !== PAGE) throw new Error(`first page: ${check.items.length} rides`);
      const first = await timeEach(reads, () => list({ limit: PAGE }, caller));
      const deep = await timeEach(reads, () => list({ limit: PAGE, cursor }, caller));
      const ref = await timeEach(reads, () => db().raw('select 1'));
      const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
      const base = () => db().withSchema(ridesSchema()).table('rides').select('*').where({ rider_id: rider }).orderBy([{ column: 'requested_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(PAGE + 1);
      const firstIndex = await planIndex(base().toSQL());
      const deepIndex = await planIndex(base().whereRaw('(requested_at, id) < (?::timestamptz, ?::uuid)', [at, id]).toSQL());
      const p: HistoryPoint = {
        rows, loadSeconds: r2(loadSeconds), firstIndex, deepIndex, refSelect1P99Ms: r2(percentile(ref, 99)),
        firstP50Ms: r2(median(first)), firstP99Ms: r2(percentile(first, 99)), deepP50Ms: r2(median(deep)), deepP99Ms: r2(percentile(deep, 99)),
      };
      log(`rides history at ${rows.toLocaleString('en')} rows: first page p99 ${p.firstP99Ms} ms (${firstIndex || 'no index'}), deep page p99 ${p.deepP99Ms} ms (${deepIndex || 'no index'}); loaded in ${p.loadSeconds} s`);
      out.push(p);
      t0 = performance.now();
    }
    return out;
  } finally {
    await dropSchema('rides').catch(() => undefined);
    await closeClients();
  }
}

const r2 = (v: number) => Math.round(v * 100) / 100;
