import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { disputePage, disputesQuery, type Dispute, type DisputesQuery } from './dispute-schemas.js';
import { listDisputes, toDispute } from './disputes.js';

const spec = httpSpec('payments-admin-disputes');

const route = routeOf(spec, {
  request: { query: disputesQuery },
  responses: { 200: { description: 'One page of disputes, oldest first', content: { 'application/json': { schema: disputePage } } } },
});

/** payments.disputes: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  listDisputes: typeof listDisputes;
}

export async function handle(q: DisputesQuery, stores: Stores = { listDisputes }): Promise<{ items: Dispute[]; total: number; limit: number; offset: number }> {
  const { rows, total } = await stores.listDisputes(q);
  return { items: rows.map((r) => toDispute(r, r.currency)), total, limit: q.limit, offset: q.offset };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('query')), 200));
