import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import type { Logger } from '../../platform/logger.js';
import { deadLetterIdParam } from './schemas.js';
import { deleteDeadLetter } from './store.js';

const spec = httpSpec('eventing-admin-discard');

const route = routeOf(spec, {
  request: { params: deadLetterIdParam },
  responses: { 204: { description: 'Discarded' }, 404: { description: 'No such dead letter' } },
});

/** eventing.dead_letters: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  deleteDeadLetter(rowId: string): Promise<boolean>;
}

/** Deletes the dead letter for good (its event is not replayed). */
export async function handle({ id, log }: { id: string; log: Pick<Logger, 'info'> }, stores: Stores = { deleteDeadLetter }): Promise<void> {
  if (!(await stores.deleteDeadLetter(id))) throw notFound('dead letter');
  log.info({ deadLetter: id }, 'dead letter discarded');
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  await handle({ ...c.req.valid('param'), log: c.get('log') });
  return c.body(null, 204);
});
