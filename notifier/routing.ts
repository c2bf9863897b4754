/**
 * Event → recipients. Pure: no I/O, so the routing table is testable and reviewable on
 * its own. Each rule names exactly who an event concerns; anyone not named never sees it.
 *
 * Recipients are user ids (the JWT `sub` a socket is opened with). In ride and payment
 * events `riderId` and `driverId`/`driverIds` are account (user) ids — the platform's
 * convention (functions/tracking/live-index.ts), not the drivers table's profile id.
 */
import { safeParseEventData, type EventData } from '../contracts/events.js';
import { NOTIFIED_TYPES, type NotifiedType } from '../contracts/notifier.js';

interface Recipients {
  /** Rider user ids. */
  users: string[];
  /** Driver user ids. */
  drivers: string[];
  /** What goes out as the message's `data`; the event's data unless a rule trims it. */
  data?: unknown;
}

const rider = (d: { riderId: string }): Recipients => ({ users: [d.riderId], drivers: [] });
const riderAndDriver = (d: { riderId: string; driverId: string | null }): Recipients => ({
  users: [d.riderId],
  drivers: d.driverId ? [d.driverId] : [],
});

/**
 * The notification table, one rule per type of contracts/notifier.ts. Other types are not pushed (e.g. ride.declined and
 * ride.offer_expired name no rider, and concern only the ride's internal bookkeeping).
 */
const rules: { [T in NotifiedType]: (d: EventData<T>) => Recipients } = {
  // The rider's own request, echoed so every device of the rider sees it.
  'microride.ride.requested': rider,
  // A booking for later, echoed like a request.
  'microride.ride.scheduled': rider,
  // Only the offered drivers: the rider must not learn who was asked, and one driver must
  // not learn which other drivers compete for the ride, so the list is removed from data.
  'microride.ride.offered': ({ driverIds, ...rest }) => ({ users: [], drivers: driverIds, data: rest }),
  'microride.ride.accepted': riderAndDriver,
  'microride.ride.driver_arrived': riderAndDriver,
  'microride.ride.started': riderAndDriver,
  'microride.ride.completed': riderAndDriver,
  'microride.ride.cancelled': riderAndDriver,
  // The rider learns their driver dropped out and a new one is being found (same ride, no
  // charge); the driver's other devices see that they are off it.
  'microride.ride.rematching': riderAndDriver,
  'microride.ride.expired': rider,
  'microride.ride.rated': riderAndDriver,
  // The driver hears about money only when it is their fare going through.
  'microride.payment.succeeded': (d) => ({ users: [d.riderId], drivers: d.kind === 'fare' && d.driverId ? [d.driverId] : [] }),
  'microride.payment.failed': rider,
  'microride.payment.refunded': rider,
  // The outcome of the rider's own dispute (the admin's note included); the driver is not told.
  'microride.dispute.resolved': rider,
};

export { NOTIFIED_TYPES };

export type Route =
  | { kind: 'notify'; rideId: string | undefined; /** every recipient once */ userIds: string[]; data: unknown }
  | { kind: 'ignore'; reason: string }
  | { kind: 'invalid'; reason: string };

export function route(type: string, data: unknown): Route {
  const rule = (rules as Record<string, ((d: unknown) => Recipients) | undefined>)[type];
  if (!rule) return { kind: 'ignore', reason: `type ${type} is not pushed to users` };
  const parsed = safeParseEventData(type, data);
  if (!parsed.success) return { kind: 'invalid', reason: parsed.error.message };
  const r = rule(parsed.data);
  const rideId = (parsed.data as { rideId?: unknown }).rideId;
  return {
    kind: 'notify',
    rideId: typeof rideId === 'string' ? rideId : undefined,
    userIds: [...new Set([...r.users, ...r.drivers])],
    data: r.data ?? parsed.data,
  };
}
