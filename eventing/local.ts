/**
 * Eventing for `npm start` and the integration tests: the local broker with every Trigger
 * (each subscriber is its function at /_fn/<name> on the platform's loopback-only internal
 * listener, the notifier at its own loopback event endpoint — never a public port), K_SINK pointed at the broker ingress (what the SinkBinding does in the
 * cluster), the outbox relay for every PostgreSQL service, and the ticker (what the
 * PingSources do).
 */
import { catalog, usesOutbox } from '../contracts/catalog.js';
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { config, provideSettings } from '../platform/config.js';
import { logger, type Logger } from '../platform/logger.js';
import { settlePublishes, startOutboxRelay, type OutboxRelay } from '../platform/events/outbox.js';
import { startBroker, type RunningBroker } from './broker/index.js';
import { DEAD_LETTER_FUNCTION, allTriggers, triggersFromCatalog, broker as brokerDef, type TriggerDef } from '../contracts/triggers.js';
import { startTicker, type Ticker } from './ticker.js';

/** A Trigger that is not in the catalog: tests and benchmarks observe events with these. */
export interface ExtraTrigger {
  name: string;
  filter: Record<string, string>;
  url: string;
  parallelism?: number;
}

export interface LocalEventingOptions {
  /** Base URL of the platform's internal listener: function <name> answers at <internalUrl>/_fn/<name>. */
  internalUrl: string;
  /** Where the notifier takes its events (its events URL); without it the notifier's Triggers are left out. */
  notifierUrl?: string;
  /** Ingress port; defaults to BROKER_PORT (8082). 0 picks a free one. */
  port?: number;
  host?: string;
  functions?: readonly FunctionSpec[];
  /** Services whose outbox the relay drains; default: every service that uses PostgreSQL. */
  outboxServices?: readonly string[];
  /** Emit scheduled ticks on timers (default true); `tick()` works either way. */
  ticks?: boolean;
  /** Multiplies every tick interval (tests use a large one and tick by hand). */
  tickScale?: number;
  extraTriggers?: readonly ExtraTrigger[];
  log?: Logger;
}

export interface LocalEventing {
  brokerUrl: string;
  broker: RunningBroker;
  relay: OutboxRelay;
  triggers: readonly TriggerDef[];
  /** Emits every scheduled tick type once, now. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

function extraTrigger(t: ExtraTrigger): TriggerDef {
  return {
    name: t.name,
    broker: brokerDef.name,
    filter: t.filter,
    // An observer should see what happened, once; it is not a consumer to retry into.
    delivery: { retry: 0, backoffPolicy: 'linear', backoffDelay: 'PT0.1S' },
    parallelism: t.parallelism ?? 8,
    subscriber: t.name,
    deadLetterSink: undefined,
  };
}

export async function startLocalEventing(opts: LocalEventingOptions): Promise<LocalEventing> {
  const functions = opts.functions ?? catalog;
  // The broker and the relay name their own component: hand them the parent, not this
  // child, or their lines would carry two `component` keys (pino appends bindings).
  const parent = opts.log ?? logger();
  const log = parent.child({ component: 'local-eventing' });
  const internal = opts.internalUrl.replace(/\/$/, '');
  const names = new Set(functions.map((f) => f.name));
  const extras = new Map((opts.extraTriggers ?? []).map((t) => [t.name, t]));
  const triggers = [
    ...(opts.notifierUrl ? allTriggers(functions) : triggersFromCatalog(functions)),
    ...[...extras.values()].map(extraTrigger),
  ];
  const subscriberUrl = (t: TriggerDef): string => {
    const extra = extras.get(t.name);
    if (extra) return extra.url;
    if (!names.has(t.subscriber) && opts.notifierUrl) return `${opts.notifierUrl.replace(/\/$/, '')}/`;
    return `${internal}/_fn/${t.subscriber}`;
  };
  const broker = await startBroker({
    amqpUrl: config().RABBITMQ_URL,
    prefix: config().BROKER_PREFIX,
    port: opts.port ?? config().BROKER_PORT,
    ...(opts.host ? { host: opts.host } : {}),
    triggers,
    queueType: config().BROKER_QUEUE_TYPE,
    subscriberUrl,
    ...(names.has(DEAD_LETTER_FUNCTION) ? { deadLetterUrl: `${internal}/_fn/${DEAD_LETTER_FUNCTION}` } : {}),
    log: parent,
  });
  // What the SinkBinding does in the cluster: the functions hosted here emit to this broker.
  provideSettings({ K_SINK: broker.url });

  let relay: OutboxRelay;
  try {
    const services = opts.outboxServices ?? [...new Set(functions.filter(usesOutbox).map((f) => f.service))];
    relay = await startOutboxRelay({ services, sink: broker.url, log: parent });
  } catch (err) {
    await broker.close();
    throw err;
  }
  const ticker: Ticker = startTicker({
    sink: broker.url,
    functions,
    intervalScale: opts.ticks === false ? Number.POSITIVE_INFINITY : (opts.tickScale ?? 1),
  });
  log.info({ ingress: broker.url, triggers: triggers.length }, 'local eventing up');

  return {
    brokerUrl: broker.url,
    broker,
    relay,
    triggers,
    tick: () => ticker.tick(),
    async close() {
      ticker.stop();
      await settlePublishes();
      await relay.close();
      await broker.close();
    },
  };
}
