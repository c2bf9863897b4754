/**
 * Eventing for `npm start`: the local broker with every Trigger of the catalog (each
 * subscriber is its function behind the local gateway, at /_fn/<name>), K_SINK pointed
 * at the broker ingress, the outbox relay for every PostgreSQL service, and a timer per
 * scheduled tick type (what the PingSources and the tick relay do in the cluster).
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { catalog } from '../functions/catalog.js';
import type { FunctionSpec } from '../functions/catalog-types.js';
import { config, resetConfig } from '../functions/runtime/config.js';
import { logger, type Logger } from '../functions/runtime/logger.js';
import { sendEvent } from '../functions/runtime/events/emit.js';
import { startOutboxRelay, type OutboxRelay } from '../functions/runtime/events/outbox.js';
import { parseEventData } from './catalog.js';
import { startBroker, type RunningBroker } from './broker/index.js';
import { DEAD_LETTER_FUNCTION, triggersFromCatalog } from './triggers.js';

export interface LocalEventingOptions {
  /** Base URL of the local gateway: function <name> answers at <gatewayUrl>/_fn/<name>. */
  gatewayUrl: string;
  /** Ingress port; defaults to BROKER_PORT (8082). 0 picks a free one. */
  port?: number;
  host?: string;
  functions?: readonly FunctionSpec[];
  /** Services whose outbox the relay drains; default: every service that uses PostgreSQL. */
  outboxServices?: readonly string[];
  /** Emit scheduled ticks (default true). */
  ticks?: boolean;
  log?: Logger;
}

export interface LocalEventing {
  brokerUrl: string;
  broker: RunningBroker;
  relay: OutboxRelay;
  close(): Promise<void>;
}

/** Tick type → seconds between ticks (the shortest any subscriber asks for). */
export function tickSchedule(functions: readonly FunctionSpec[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const fn of functions) {
    if (fn.kind !== 'event' || !fn.schedule) continue;
    for (const sub of fn.subscriptions) {
      const type = sub.filter.type;
      if (!type) continue;
      out.set(type, Math.min(out.get(type) ?? Infinity, fn.schedule.everySeconds));
    }
  }
  return out;
}

export async function startLocalEventing(opts: LocalEventingOptions): Promise<LocalEventing> {
  const functions = opts.functions ?? catalog;
  const log = (opts.log ?? logger()).child({ component: 'local-eventing' });
  const gateway = opts.gatewayUrl.replace(/\/$/, '');
  const names = new Set(functions.map((f) => f.name));
  const broker = await startBroker({
    amqpUrl: config().RABBITMQ_URL,
    prefix: config().BROKER_PREFIX,
    port: opts.port ?? config().BROKER_PORT,
    ...(opts.host ? { host: opts.host } : {}),
    triggers: triggersFromCatalog(functions),
    subscriberUrl: (t) => `${gateway}/_fn/${t.subscriber}`,
    ...(names.has(DEAD_LETTER_FUNCTION) ? { deadLetterUrl: `${gateway}/_fn/${DEAD_LETTER_FUNCTION}` } : {}),
    log,
  });
  // What the SinkBinding does in the cluster; config() is re-read with it.
  process.env.K_SINK = broker.url;
  resetConfig();

  const services = opts.outboxServices ?? [...new Set(functions.filter((f) => f.stores.includes('postgres')).map((f) => f.service))];
  const relay = await startOutboxRelay({ services, sink: broker.url, log });

  const timers: NodeJS.Timeout[] = [];
  if (opts.ticks !== false) {
    for (const [type, seconds] of tickSchedule(functions)) {
      const tick = () => {
        const event = new CloudEvent({ id: randomUUID(), source: '/microride/tick', type, subject: type, datacontenttype: 'application/json', data: parseEventData(type, {}) });
        sendEvent(event, { sink: broker.url }).catch((err: unknown) => log.warn({ type, err: (err as Error).message }, 'tick not delivered'));
      };
      const t = setInterval(tick, seconds * 1000);
      t.unref();
      timers.push(t);
    }
  }
  log.info({ ingress: broker.url, triggers: triggersFromCatalog(functions).length, outbox: services }, 'local eventing up');

  return {
    brokerUrl: broker.url,
    broker,
    relay,
    async close() {
      for (const t of timers) clearInterval(t);
      await relay.close();
      await broker.close();
    },
  };
}
