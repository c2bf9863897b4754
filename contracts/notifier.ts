/**
 * The notifier's contract with the broker: which CloudEvent types it pushes to users.
 * notifier/routing.ts says who receives each type; its table is typed by NotifiedType, so
 * a type listed here without a rule (or a rule without a type) does not compile. The
 * notifier's entry in contracts/workloads.ts subscribes to each of them (Knative Trigger
 * filters match attributes exactly: one subscription, so one Trigger, per type).
 */
import type { EventType } from './events.js';

/** Every CloudEvent type the notifier pushes to riders and drivers. */
export const NOTIFIED_TYPES = [
  'microride.ride.requested',
  'microride.ride.scheduled',
  'microride.ride.offered',
  'microride.ride.accepted',
  'microride.ride.driver_arrived',
  'microride.ride.started',
  'microride.ride.completed',
  'microride.ride.cancelled',
  'microride.ride.rematching',
  'microride.ride.expired',
  'microride.ride.rated',
  'microride.payment.succeeded',
  'microride.payment.failed',
  'microride.payment.refunded',
  'microride.dispute.resolved',
] as const satisfies readonly EventType[];

export type NotifiedType = (typeof NOTIFIED_TYPES)[number];
