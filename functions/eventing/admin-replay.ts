/**
 * Replays dead letters: each one's original CloudEvent (same id, source, type and data) is
 * published to the Broker again, so every Trigger of its type gets it, and the dead letter
 * counts the replay. Consumers dedupe on source + id (platform/events/idempotency.ts): one
 * that already processed the event acknowledges it without a second effect, one that had
 * failed it acts now. A dead letter is kept after a replay (discard it when done): if the
 * replay fails again it comes back as a new delivery failure of the same row.
 */
import type { CloudEvent } from 'cloudevents';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { sendEvent } from '../../platform/events/emit.js';
import { replayBody, replayResult, type ReplayResult } from './schemas.js';
import { deadLettersByIds, markReplayed, type StoredDeadLetter } from './store.js';
import { originalEvent } from './dead-letter-view.js';

const spec = httpSpec('eventing-admin-replay');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: replayBody } }, required: true } },
  responses: {
    200: { description: 'One result per id, in the order given: replayed, not_found, or failed (the Broker refused it; see error)', content: { 'application/json': { schema: replayResult } } },
  },
});

/** The dead letters table and the Broker (K_SINK); fakes in the unit test. */
export interface Stores {
  deadLettersByIds(ids: readonly string[]): Promise<StoredDeadLetter[]>;
  publish(event: CloudEvent<unknown>): Promise<void>;
  markReplayed(rowId: string): Promise<StoredDeadLetter | undefined>;
}

export async function handle(
  { ids, log }: { ids: string[]; log: Pick<Logger, 'info' | 'warn'> },
  stores: Stores = { deadLettersByIds, publish: (e) => sendEvent(e), markReplayed },
): Promise<ReplayResult> {
  const unique = [...new Set(ids)];
  const found = new Map((await stores.deadLettersByIds(unique)).map((r) => [r.row_id, r]));
  const results: ReplayResult['results'] = [];
  // One at a time: a replay of a hundred is an operator's action, not a hot path, and the
  // Broker sees them in the order asked.
  for (const id of unique) {
    const row = found.get(id);
    if (!row) {
      results.push({ id, outcome: 'not_found' });
      continue;
    }
    try {
      await stores.publish(originalEvent(row.event));
    } catch (err) {
      log.warn({ deadLetter: id, eventId: row.id, err: (err as Error).message }, 'replay failed');
      results.push({ id, outcome: 'failed', eventId: row.id, error: (err as Error).message });
      continue;
    }
    const marked = await stores.markReplayed(id);
    log.info({ deadLetter: id, eventId: row.id, type: row.type }, 'dead letter replayed');
    results.push({ id, outcome: 'replayed', eventId: row.id, replays: marked?.replays ?? row.replays + 1 });
  }
  return { results };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('json'), log: c.get('log') }), 200));
