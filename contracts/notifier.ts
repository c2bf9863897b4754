/**
 * The notifier's contract with the broker: which CloudEvent types it pushes to users and
 * how its Triggers deliver them. Knative Trigger filters (and the RabbitMQ broker's
 * headers-exchange bindings) match attributes exactly, so there is one subscription per
 * pushed type. notifier/routing.ts says who receives each type; its table is typed by
 * NotifiedType, so a type listed here without a rule (or a rule without a type) does not
 * compile. contracts/triggers.ts turns these into Triggers with subscriber NOTIFIER_SUBSCRIBER.
 */
import type { Subscription } from './catalog-types.js';
import type { EventType } from './events.js';

/** Subscriber name of the notifier's Triggers (Kubernetes Service `notifier`, path `/`). */
export const NOTIFIER_SUBSCRIBER = 'notifier';
/** Path the CloudEvents are POSTed to. */
export const NOTIFIER_EVENT_PATH = '/';

/** Every CloudEvent type the notifier pushes to riders and drivers. */
export const NOTIFIED_TYPES = [
  'microride.ride.requested',
  'microride.ride.offered',
  'microride.ride.accepted',
  'microride.ride.driver_arrived',
  'microride.ride.started',
  'microride.ride.completed',
  'microride.ride.cancelled',
  'microride.ride.expired',
  'microride.ride.rated',
  'microride.payment.succeeded',
  'microride.payment.failed',
  'microride.payment.refunded',
] as const satisfies readonly EventType[];

export type NotifiedType = (typeof NOTIFIED_TYPES)[number];

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
