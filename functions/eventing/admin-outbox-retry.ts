import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, notFound } from '../../platform/problem.js';
import type { Logger } from '../../platform/logger.js';
import { outboxRowParam, parkedRow, type OutboxService, type ParkedRow } from './schemas.js';
import { unparkRow } from './outbox-store.js';
import { toParkedRow } from './admin-parked.js';

const spec = httpSpec('eventing-admin-outbox-retry');

const route = routeOf(spec, {
  request: { params: outboxRowParam },
  responses: {
    202: { description: 'Due again (attempts reset): the outbox relay publishes it within a poll interval', content: { 'application/json': { schema: parkedRow } } },
    404: { description: 'No such outbox row (it may have been published meanwhile)' },
    409: { description: 'The row is not parked: a relay is still retrying it' },
  },
});

/** The service's outbox table: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  unparkRow: typeof unparkRow;
}

export async function handle({ service, id, log }: { service: OutboxService; id: string; log: Pick<Logger, 'info'> }, stores: Stores = { unparkRow }): Promise<ParkedRow> {
  const r = await stores.unparkRow(service, id);
  if (r.outcome !== 'unparked') {
    throw r.outcome === 'missing' ? notFound('outbox row') : conflict('this outbox row is not parked; a relay is still retrying it');
  }
  log.info({ service, id, type: r.row.type }, 'parked outbox row made due again');
  return toParkedRow(r.row);
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), log: c.get('log') }), 202));
