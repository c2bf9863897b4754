import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { deadLetterPage, deadLettersQuery, type DeadLetter, type DeadLettersQuery } from './schemas.js';
import { listDeadLetters } from './store.js';
import { toDeadLetter } from './dead-letter-view.js';

const spec = httpSpec('eventing-admin-deadletters');

const route = routeOf(spec, {
  request: { query: deadLettersQuery },
  responses: { 200: { description: 'One page of dead letters, newest first', content: { 'application/json': { schema: deadLetterPage } } } },
});

/** eventing.dead_letters: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  listDeadLetters: typeof listDeadLetters;
}

export async function handle(q: DeadLettersQuery, stores: Stores = { listDeadLetters }): Promise<{ items: DeadLetter[]; total: number; limit: number; offset: number }> {
  const { rows, total } = await stores.listDeadLetters(q);
  return { items: rows.map(toDeadLetter), total, limit: q.limit, offset: q.offset };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('query')), 200));
