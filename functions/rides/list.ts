import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem } from '../../platform/problem.js';
import { listQuery, rideList } from './schemas.js';
import { ridesTable, toRide, type RideRow } from './store.js';

const spec = httpSpec('rides-list');

const route = routeOf(spec, {
  request: { query: listQuery },
  responses: {
    200: { description: 'Your rides, newest first (as rider or as driver)', content: { 'application/json': { schema: rideList } } },
  },
});

// The cursor carries PostgreSQL's own text of the timestamp: a JS Date would drop the
// microseconds and make rows requested in the same millisecond repeat or vanish.
type Cursor = [at: string, id: string];
const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decode(text: string): Cursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/.test(v[1])) {
      return [v[0], v[1]];
    }
  } catch {
    // fall through to the 422
  }
  throw new HttpProblem(422, 'invalid cursor', { errors: [{ path: 'cursor', message: 'use nextCursor from the previous page' }] });
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { limit, cursor, status } = c.req.valid('query');
  const p = c.get('principal');
  const q = ridesTable()
    .select('*', ridesTable().client.raw('requested_at::text as at_text'))
    .orderBy([{ column: 'requested_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit + 1);
  if (p.role === 'driver') q.where({ driver_id: p.userId });
  else if (p.role === 'rider') q.where({ rider_id: p.userId });
  if (status) q.where({ status });
  if (cursor) {
    const [at, id] = decode(cursor);
    q.whereRaw('(requested_at, id) < (?::timestamptz, ?::uuid)', [at, id]);
  }
  const rows = await q as (RideRow & { at_text: string })[];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return c.json({ items: page.map((r) => toRide(r)), nextCursor: rows.length > limit && last ? encode([last.at_text, last.id]) : null }, 200);
});
