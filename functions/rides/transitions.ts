/**
 * The ride lifecycle as one table: every change of a ride's status, the states it may
 * leave, the state it leads to, who makes it and the event it emits. The handlers take
 * their compare-and-set states from here, README.md's table is rendered from it
 * (transitions-doc.ts) and the unit tests walk it, so a change to the lifecycle is made
 * here once and shows everywhere.
 *
 * Two transitions create a ride (request, book); a driver's cancellation before pickup
 * (cancelByDriver) sends the ride back to matching rather than ending it.
 *
 * Declining an offer and rating a ride are not transitions (the ride keeps its status),
 * but they are guarded by one: a driver may decline while the ride could be accepted
 * (`transitions.accept.from`), a rider may rate once it is `transitions.complete.to`.
 */
import type { EventType } from '../../contracts/events.js';
import type { RideStatus } from './schemas.js';

export type Party = 'rider' | 'driver' | 'system';

export interface RideTransition {
  /** The catalog function that makes it (contracts/catalog.ts); its route or trigger is there. */
  readonly fn: string;
  /** States the compare-and-set may leave; none for the insert that creates the ride. */
  readonly from: readonly RideStatus[];
  readonly to: RideStatus;
  readonly by: Party;
  /** Which rider, driver or process, for the docs, where `by` alone does not say it. */
  readonly who: string;
  readonly event: EventType;
}

export const transitions = {
  request: { fn: 'rides-request', from: [], to: 'requested', by: 'rider', who: 'rider', event: 'microride.ride.requested' },
  // With `scheduledFor`: the ride waits, booked, until its lead time (SCHEDULED_MATCH_LEAD_MINUTES).
  book: { fn: 'rides-request', from: [], to: 'scheduled', by: 'rider', who: 'rider (a ride for later: scheduledFor)', event: 'microride.ride.scheduled' },
  // The same event as a request, so matching starts as for any ride.
  startMatching: {
    fn: 'rides-sweep',
    from: ['scheduled'],
    to: 'requested',
    by: 'system',
    who: 'system (the lead time before the pickup time began)',
    event: 'microride.ride.requested',
  },
  // A later round of a ride already matching offers it again: matching → matching.
  offer: { fn: 'rides-offers', from: ['requested', 'matching'], to: 'matching', by: 'system', who: 'system (matching decided a round)', event: 'microride.ride.offered' },
  accept: { fn: 'rides-accept', from: ['matching'], to: 'accepted', by: 'driver', who: 'offered driver (live offer; first accept wins)', event: 'microride.ride.accepted' },
  arrived: { fn: 'rides-arrived', from: ['accepted'], to: 'arrived', by: 'driver', who: 'assigned driver', event: 'microride.ride.driver_arrived' },
  start: { fn: 'rides-start', from: ['arrived'], to: 'in_progress', by: 'driver', who: 'assigned driver', event: 'microride.ride.started' },
  complete: { fn: 'rides-complete', from: ['in_progress'], to: 'completed', by: 'driver', who: 'assigned driver', event: 'microride.ride.completed' },
  cancelByRider: {
    fn: 'rides-cancel',
    from: ['scheduled', 'requested', 'matching', 'accepted', 'arrived'],
    to: 'cancelled',
    by: 'rider',
    who: 'rider (a fee after the grace period or once the driver arrived)',
    event: 'microride.ride.cancelled',
  },
  // The driver's cancellation does not end the ride: the same ride is matched again
  // without them, and ends only when nobody accepts in time (expire).
  cancelByDriver: {
    fn: 'rides-cancel',
    from: ['accepted', 'arrived'],
    to: 'matching',
    by: 'driver',
    who: 'assigned driver before pickup: matched again without them (never a fee)',
    event: 'microride.ride.rematching',
  },
  // "No driver": nobody accepted within RIDE_MATCHING_TIMEOUT_SECONDS of the current
  // matching's start (the request, the scheduled start, or the last driver's cancellation).
  expire: {
    fn: 'rides-sweep',
    from: ['scheduled', 'requested', 'matching'],
    to: 'expired',
    by: 'system',
    who: 'system (no driver: nobody accepted in time, or a scheduled ride could not start)',
    event: 'microride.ride.expired',
  },
} as const satisfies Record<string, RideTransition>;

export type TransitionName = keyof typeof transitions;

/**
 * The one state of a transition that leaves exactly one, for statements that compare with
 * `status = …`; a second `from` state is then a type error here rather than a guard that
 * silently ignores it.
 */
export const soleState = <S extends RideStatus>(from: readonly [S]): S => from[0];

/** Whether `t` may leave `status`. */
export const startsFrom = (t: RideTransition, status: RideStatus): boolean => t.from.includes(status);
