import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { OUTBOX_SERVICES } from '../../contracts/outbox.js';
import { parkedPage, parkedQuery, type ParkedQuery, type ParkedRow } from './schemas.js';
import { listParked, type ParkedOutboxRow } from './outbox-store.js';

const spec = httpSpec('eventing-admin-parked');

const route = routeOf(spec, {
  request: { query: parkedQuery },
  responses: { 200: { description: 'One page of parked outbox rows, oldest first', content: { 'application/json': { schema: parkedPage } } } },
});

/** The services' outbox tables: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  listParked: typeof listParked;
}

export const toParkedRow = (r: ParkedOutboxRow): ParkedRow => ({
  service: r.service,
  id: r.id,
  source: r.source,
  type: r.type,
  subject: r.subject,
  time: r.time.toISOString(),
  data: r.data,
  createdAt: r.created_at.toISOString(),
  attempts: r.attempts,
  lastError: r.last_error,
});

export async function handle(q: ParkedQuery, stores: Stores = { listParked }): Promise<{ items: ParkedRow[]; total: number; limit: number; offset: number }> {
  const { rows, total } = await stores.listParked(q.service ? [q.service] : OUTBOX_SERVICES, q.limit, q.offset);
  return { items: rows.map(toParkedRow), total, limit: q.limit, offset: q.offset };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('query')), 200));
