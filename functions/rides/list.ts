import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem } from '../../platform/problem.js';
import { listQuery, rideList, type Ride, type RideStatus } from './schemas.js';
import { listRides, toRide } from './store.js';
import type { Caller } from './access.js';

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

/** The rides table, newest first: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  listRides: typeof listRides;
}

export interface ListInput {
  limit: number;
  cursor?: string | undefined;
  status?: RideStatus | undefined;
}

/** One page of the caller's rides (a driver's as driver, a rider's as rider, an admin's all) and the cursor of the next. */
export async function handle(input: ListInput, caller: Caller, stores: Stores = { listRides }): Promise<{ items: Ride[]; nextCursor: string | null }> {
  const before = input.cursor ? decode(input.cursor) : undefined;
  // One row more than the page says whether there is a next one.
  const rows = await stores.listRides({ userId: caller.userId, role: caller.role, status: input.status, limit: input.limit + 1, before });
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { items: page.map((r) => toRide(r)), nextCursor: rows.length > input.limit && last ? encode([last.at_text, last.id]) : null };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('query'), c.get('principal')), 200));
