/**
 * The notifier's CloudEvent endpoint, independent of uWS: raw headers + body in, an HTTP
 * status out. Binary and structured mode both parse and are validated as every receiver's
 * are (platform/events/parse.ts).
 *
 * Status choices follow the broker's retry rules (eventing/broker/retry.ts): 202 when the
 * event is stored, a duplicate, or not one we push (retrying would not change that); 400
 * for a malformed event or data (final: it goes to the dead-letter sink); 503 when Redis
 * fails, so the broker retries — possibly on another replica. With EVENT_OIDC=on, a request
 * without a valid token for the notifier's audience is 401 before the event is parsed
 * (platform/events/oidc.ts).
 */
import type { CloudEvent } from 'cloudevents';
import { parseCloudEvent } from '../platform/events/parse.js';
import type { EventAuthenticator } from '../platform/events/oidc.js';
import { HttpProblem } from '../platform/problem.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from './metrics.js';
import { route } from './routing.js';
import { appendAndPublish, type StreamLimits } from './streams.js';
import { recordForOps } from './ops-record.js';

export interface EventDeps {
  redis: Redis;
  limits: StreamLimits;
  metrics: Metrics;
  log: Logger;
  /** Set when EVENT_OIDC is on: checks the sender's token first. */
  authenticate?: EventAuthenticator;
}

export interface EventResult {
  status: number;
  /** problem+json detail for non-2xx. */
  detail?: string;
  /** e.g. WWW-Authenticate with a 401. */
  headers?: Record<string, string>;
}

/** The event, or why it is not one (the 400's detail). */
function parse(headers: Record<string, string>, body: string): CloudEvent<unknown> | string {
  try {
    return parseCloudEvent(headers, body);
  } catch (err) {
    return (err as Error).message;
  }
}

export async function handleCloudEvent(headers: Record<string, string>, body: string, deps: EventDeps, receivedAt = Date.now()): Promise<EventResult> {
  if (deps.authenticate) {
    try {
      await deps.authenticate(headers.authorization);
    } catch (err) {
      if (!(err instanceof HttpProblem)) throw err;
      deps.metrics.events.inc({ outcome: err.status === 401 ? 'unauthenticated' : 'unavailable' });
      if (err.status === 401) deps.log.warn({ reason: err.detail }, 'refused a CloudEvent without a valid sender token');
      return { status: err.status, detail: err.detail, headers: err.extra.headers };
    }
  }
  const event = parse(headers, body);
  if (typeof event === 'string') {
    deps.metrics.events.inc({ outcome: 'invalid' });
    return { status: 400, detail: event };
  }
  const r = route(event.type, event.data);
  try {
    switch (r.kind) {
      case 'ignore':
        deps.metrics.events.inc({ outcome: 'ignored' });
        return { status: 202 };
      case 'invalid':
        deps.metrics.events.inc({ outcome: 'invalid' });
        deps.log.warn({ type: event.type, id: event.id, source: event.source, reason: r.reason }, 'rejected CloudEvent');
        return { status: 400, detail: r.reason };
      case 'notify': {
        const users = r.userIds;
        if (users.length === 0) {
          deps.metrics.events.inc({ outcome: 'ignored' });
          return { status: 202 };
        }
        const message = JSON.stringify({ type: event.type, rideId: r.rideId, data: r.data, at: event.time ?? new Date(receivedAt).toISOString() });
        const appended = await appendAndPublish(deps.redis, { source: event.source, id: event.id }, users, message, deps.limits, receivedAt);
        if (appended === null) {
          deps.metrics.events.inc({ outcome: 'duplicate' });
          return { status: 202 };
        }
        deps.metrics.events.inc({ outcome: 'stored' });
        deps.metrics.stored.inc({}, appended.length);
        // The console's read model; best effort: the users' notifications are stored already.
        await recordForOps(deps.redis, event.type, event.data, event.time ?? new Date(receivedAt).toISOString(), receivedAt).catch((err: unknown) => {
          deps.log.warn({ err, type: event.type, id: event.id }, 'could not record the event for the operations console');
        });
        return { status: 202 };
      }
    }
  } catch (err) {
    deps.metrics.events.inc({ outcome: 'failed' });
    deps.log.error({ err, type: event.type, id: event.id }, 'could not store CloudEvent');
    return { status: 503, detail: 'notification store unavailable; retry' };
  }
}
