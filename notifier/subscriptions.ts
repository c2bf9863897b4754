/**
 * The notifier's Trigger filters. Knative Trigger filters (and the RabbitMQ broker's
 * headers-exchange bindings) match attributes exactly, so there is one subscription per
 * CloudEvent type the notifier pushes (routing.ts).
 *
 * The notifier is not in functions/catalog.ts (it is a Deployment, not a Knative
 * Service); eventing/triggers.ts adds these Triggers with subscriber NOTIFIER_SUBSCRIBER.
 */
import type { Subscription } from '../functions/catalog-types.js';
// Type-only: eventing/triggers.ts imports this module, so a value import would be a cycle.
import type { BrokerDef, TriggerDef } from '../eventing/triggers.js';
import { NOTIFIED_TYPES } from './routing.js';

/** Subscriber name of the notifier's Triggers (Kubernetes Service `notifier`, path `/`). */
export const NOTIFIER_SUBSCRIBER = 'notifier';
/** Path the CloudEvents are POSTed to. */
export const NOTIFIER_EVENT_PATH = '/';

export const notifierSubscriptions: readonly Subscription[] = NOTIFIED_TYPES.map((type) => ({
  filter: { type },
  // Every event is idempotent here (dedupe on source+id) and order is restored per user
  // by the stream ids, so deliveries may run in parallel; retries are short because a
  // notification that is late by seconds is worth much less.
  parallelism: 64,
  delivery: { retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' },
}));

/** `microride.ride.driver_arrived` → `notifier-ride-driver-arrived` (a valid Kubernetes name). */
export const notifierTriggerName = (type: string) => `notifier-${type.replace(/^microride\./, '').replace(/[._]/g, '-')}`;

/**
 * The notifier's Triggers on `def` (the broker), shaped like triggersFromCatalog()'s, for
 * eventing/triggers.ts, the Knative YAML and the local broker.
 */
export function notifierTriggers(def: BrokerDef): TriggerDef[] {
  return notifierSubscriptions.map((s) => ({
    name: notifierTriggerName(s.filter.type!),
    broker: def.name,
    filter: { ...s.filter },
    delivery: { ...def.delivery, ...s.delivery },
    parallelism: s.parallelism ?? 1,
    subscriber: NOTIFIER_SUBSCRIBER,
    deadLetterSink: def.deadLetterSink,
  }));
}
