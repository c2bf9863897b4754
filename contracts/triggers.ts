/**
 * Broker and Trigger definitions, derived from the function catalog and the workloads
 * (contracts/workloads.ts: the notifier's subscriptions). Both the local broker's RabbitMQ
 * topology (eventing/broker) and the Knative YAML (eventing/manifests.ts, written by
 * `npm run generate`) are produced from these, so the two cannot disagree.
 */
import { catalog, defaultDelivery } from './catalog.js';
import type { Delivery, FunctionSpec, Subscription, Workload } from './catalog-types.js';
import { isEventType } from './events.js';
import { workloads, workloadsOf } from './workloads.js';

/** The function that receives every event a Trigger gives up on. */
export const DEAD_LETTER_FUNCTION = 'eventing-deadletters';

export interface BrokerDef {
  name: string;
  /** Broker-wide delivery defaults; a Trigger's own delivery overrides per field. */
  delivery: Delivery;
  /** Function name of the dead-letter sink. */
  deadLetterSink: string;
  /** RabbitmqCluster (messaging-topology operator) the broker runs on. */
  rabbitmqCluster: string;
  queueType: 'quorum' | 'classic';
}

export interface TriggerDef {
  /** Trigger name: the subscriber function's name, or `<function>-<n>` when it has several subscriptions. */
  name: string;
  broker: string;
  /** Exact-match CloudEvent attributes (all must match). Empty = every event. */
  filter: Readonly<Record<string, string>>;
  delivery: Delivery;
  /** Concurrent deliveries; 1 keeps the queue's order (rabbitmq.eventing.knative.dev/parallelism). */
  parallelism: number;
  /** Function name of the subscriber. */
  subscriber: string;
  /** Function name of the dead-letter sink; undefined = failed events are dropped (logged). */
  deadLetterSink: string | undefined;
}

export const broker: BrokerDef = {
  name: 'microride',
  delivery: defaultDelivery,
  deadLetterSink: DEAD_LETTER_FUNCTION,
  rabbitmqCluster: 'microride-rabbitmq',
  queueType: 'quorum',
};

// CloudEvent attribute names: lower-case letters and digits (CloudEvents 1.0 §3.1.1).
const attributeName = /^[a-z0-9]{1,20}$/;
// eventing-rabbitmq accepts 1..1000.
const MAX_PARALLELISM = 1000;

/** One subscription's Trigger, its filter and parallelism checked. */
function triggerOf(name: string, sub: Subscription, subscriber: string, def: BrokerDef): TriggerDef {
  for (const [key, value] of Object.entries(sub.filter)) {
    if (!attributeName.test(key)) throw new Error(`trigger ${name}: filter attribute "${key}" is not a CloudEvent attribute name`);
    if (key === 'type' && !isEventType(value)) throw new Error(`trigger ${name}: filter type "${value}" is not in contracts/events.ts`);
  }
  const parallelism = sub.parallelism ?? 1;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > MAX_PARALLELISM) {
    throw new Error(`trigger ${name}: parallelism must be an integer in 1..${MAX_PARALLELISM}`);
  }
  return {
    name,
    broker: def.name,
    filter: { ...sub.filter },
    delivery: { ...def.delivery, ...sub.delivery },
    parallelism,
    subscriber,
    // The sink must not dead-letter into itself: a failure there would loop for ever.
    deadLetterSink: subscriber === def.deadLetterSink ? undefined : def.deadLetterSink,
  };
}

function uniqueNames(triggers: TriggerDef[]): TriggerDef[] {
  const names = new Set<string>();
  for (const t of triggers) {
    if (names.has(t.name)) throw new Error(`two triggers are named ${t.name}; rename a function`);
    names.add(t.name);
  }
  return triggers;
}

export function triggersFromCatalog(functions: readonly FunctionSpec[] = catalog, def: BrokerDef = broker): TriggerDef[] {
  const triggers: TriggerDef[] = [];
  for (const fn of functions) {
    if (fn.kind !== 'event') continue;
    const many = fn.subscriptions.length > 1;
    fn.subscriptions.forEach((sub, i) => triggers.push(triggerOf(many ? `${fn.name}-${i + 1}` : fn.name, sub, fn.name, def)));
  }
  return uniqueNames(triggers);
}

// ── notifier ─────────────────────────────────────────────────────────────────
// The notifier is a Deployment, not a Knative Service; its Triggers come from its entry in
// contracts/workloads.ts, one per pushed event type, each named after the type.

/** `microride.ride.driver_arrived` → `ride-driver-arrived` (part of a valid Kubernetes name). */
const typeSlug = (type: string) => type.replace(/^microride\./, '').replace(/[._]/g, '-');

/** The Triggers of the notifier workloads in `list` on `def`, shaped like triggersFromCatalog()'s: `<notifier>-<type>`. */
export function notifierTriggers(def: BrokerDef = broker, list: readonly Workload[] = workloads): TriggerDef[] {
  return uniqueNames(
    workloadsOf('notifier', list).flatMap((n) =>
      n.subscriptions.map((s) => {
        if (!s.filter.type) throw new Error(`${n.name}: every subscription of a notifier filters on one type (its Trigger is named after it)`);
        return triggerOf(`${n.name}-${typeSlug(s.filter.type)}`, s, n.name, def);
      }),
    ),
  );
}

/** Every Trigger of the platform: the catalog functions' and the notifier's. */
export function allTriggers(functions: readonly FunctionSpec[] = catalog, def: BrokerDef = broker): TriggerDef[] {
  return uniqueNames([...triggersFromCatalog(functions, def), ...notifierTriggers(def)]);
}
