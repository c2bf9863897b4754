/**
 * The event catalog: every CloudEvent type MicroRide emits, with the one zod schema of
 * its `data`. Producers validate before sending, consumers validate on receipt; who
 * produces and who consumes a type is derived from contracts/catalog.ts, never listed
 * twice. Amounts are integer minor units (cents); ids are UUIDs; times ISO-8601.
 */
import { z } from 'zod';
import { catalog as functionCatalog } from './catalog.js';
import type { FunctionSpec } from './catalog-types.js';
import { vehicleClass } from './vehicles.js';
import { driverCard } from './driver-card.js';

const id = z.uuid();
const isoTime = z.iso.datetime({ offset: true });
const point = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO-4217 code, e.g. EUR');
const money = z.object({ amount: z.number().int().nonnegative(), currency });
const rideParties = { rideId: id, riderId: id, driverId: id };
/**
 * The assigned driver's public card (contracts/driver-card.ts), on every ride event from
 * the accept on, so the rider's app shows who is coming without another call. Optional:
 * events from before it, and rides accepted before it, carry none.
 */
const driver = driverCard.nullable().optional();

const payment = z.object({
  paymentId: id,
  rideId: id,
  riderId: id,
  driverId: id.nullable(),
  kind: z.enum(['fare', 'cancellation_fee', 'refund']),
  amount: z.number().int().nonnegative(),
  currency,
  reason: z.string().max(500).optional(),
});

interface EventSpec {
  description: string;
  schema: z.ZodType;
}

// Objects are not strict on purpose: a consumer must tolerate fields added by a newer
// producer (delivery is unordered, deploys are not atomic), so unknown keys are dropped.
export const eventCatalog = {
  'microride.user.registered': {
    description: 'An account was created',
    schema: z.object({ userId: id, role: z.enum(['rider', 'driver', 'admin']), email: z.email() }),
  },
  'microride.driver.registered': {
    description: 'A driver registered a profile and vehicle',
    // driverId is the driver's id in the API: their account id (= userId, kept for older consumers).
    schema: z.object({ driverId: id, userId: id, vehicleClass }),
  },
  'microride.driver.availability_changed': {
    description: 'A driver went online, offline or on a trip',
    schema: z.object({ driverId: id, userId: id, status: z.enum(['online', 'offline', 'on_trip']), vehicleClass }),
  },
  'microride.ride.requested': {
    description: 'A rider requested a ride from a quote',
    schema: z.object({ rideId: id, riderId: id, pickup: point, dropoff: point, vehicleClass, fare: money, requestedAt: isoTime }),
  },
  'microride.ride.scheduled': {
    description: 'A rider booked a ride for later; matching starts the lead time before scheduledFor',
    schema: z.object({ rideId: id, riderId: id, pickup: point, dropoff: point, vehicleClass, fare: money, scheduledFor: isoTime }),
  },
  'microride.ride.offered': {
    description: 'A ride was offered to the nearest available drivers (one round)',
    schema: z.object({ rideId: id, riderId: id, driverIds: z.array(id).min(1), expiresAt: isoTime, round: z.number().int().min(1) }),
  },
  'microride.ride.offer_expired': {
    description: 'An offer round ran out without an accept',
    schema: z.object({ rideId: id, round: z.number().int().min(1) }),
  },
  'microride.ride.accepted': {
    description: 'A driver accepted the ride (first accept wins)',
    schema: z.object({ ...rideParties, acceptedAt: isoTime, driver }),
  },
  'microride.ride.declined': {
    description: 'An offered driver declined',
    schema: z.object({ rideId: id, driverId: id }),
  },
  'microride.ride.driver_arrived': {
    description: 'The assigned driver is at the pickup point',
    schema: z.object({ ...rideParties, driver }),
  },
  'microride.ride.started': {
    description: 'The trip started',
    schema: z.object({ ...rideParties, driver }),
  },
  'microride.ride.completed': {
    description: 'The trip ended; the final fare is due',
    schema: z.object({
      ...rideParties,
      distanceMeters: z.number().int().nonnegative(),
      durationSeconds: z.number().int().nonnegative(),
      fare: money,
      // Optional: events emitted before upfront pricing carry neither.
      /** quoted: the quote is charged; measured: repriced from the measured trip (capped). */
      basis: z.enum(['quoted', 'measured']).optional(),
      /** Why the fare is what it is, for the receipt. */
      reason: z.string().max(500).optional(),
      driver,
    }),
  },
  'microride.ride.cancelled': {
    description: 'The ride was cancelled and ended (by the rider; a driver’s cancellation re-matches the ride instead: ride.rematching)',
    schema: z.object({
      rideId: id,
      riderId: id,
      driverId: id.nullable(),
      by: z.enum(['rider', 'driver', 'system']),
      reason: z.string().max(500).optional(),
      fee: money.nullable(),
      driver,
    }),
  },
  'microride.ride.rematching': {
    description: 'The assigned driver cancelled before pickup: the same ride is offered to other drivers, at no cost to the rider',
    schema: z.object({
      rideId: id,
      riderId: id,
      /** The driver who cancelled; never offered this ride again. */
      driverId: id,
      /** The state the driver left: accepted or arrived. */
      from: z.enum(['accepted', 'arrived']),
      reason: z.string().max(500).optional(),
      // Matching reopens the ride from these when its own state of the ride is gone.
      pickup: point,
      vehicleClass,
    }),
  },
  'microride.ride.expired': {
    description: 'No driver accepted in time, first or after a driver cancelled (matching gave up: no driver)',
    schema: z.object({ rideId: id, riderId: id }),
  },
  'microride.ride.rated': {
    description: 'The rider rated a completed ride',
    schema: z.object({ ...rideParties, stars: z.number().int().min(1).max(5), driver }),
  },
  'microride.payment.succeeded': {
    description: 'A payment (fare, cancellation fee or refund) went through',
    schema: payment,
  },
  'microride.payment.failed': {
    description: 'A payment was declined',
    schema: payment,
  },
  'microride.payment.refunded': {
    description: 'A payment was refunded',
    schema: payment,
  },
  // ── fare disputes (payments) ────────────────────────────────────────────
  'microride.dispute.opened': {
    description: 'A rider disputed the fare of a completed ride',
    schema: z.object({ disputeId: id, rideId: id, riderId: id, paymentId: id, reason: z.string().max(1000) }),
  },
  'microride.dispute.resolved': {
    description: 'An admin resolved a fare dispute: refunded (amount, through the SIMULATED gateway) or rejected',
    schema: z.object({
      disputeId: id,
      rideId: id,
      riderId: id,
      outcome: z.enum(['refund', 'reject']),
      amount: z.number().int().positive().nullable(),
      currency,
      refundId: id.nullable(),
      note: z.string().max(1000),
    }),
  },
  'microride.matching.tick': {
    description: 'Periodic sweep: expire stale offers and rides (PingSource in the cluster, a timer locally)',
    schema: z.object({}),
  },
  // ── matching → rides (internal) ─────────────────────────────────────────
  // Matching decides WHOM to offer a ride; rides, the single writer of ride state and
  // of offers, records the round and re-announces it as microride.ride.offered.
  'microride.matching.offer_decided': {
    description: 'Matching chose the drivers for an offer round (rides records it and announces ride.offered)',
    schema: z.object({ rideId: id, riderId: id, driverIds: z.array(id).min(1), round: z.number().int().min(1), expiresAt: isoTime }),
  },
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof eventCatalog;
/** `data` of an event as a consumer sees it (after parsing). */
export type EventData<T extends EventType> = z.output<(typeof eventCatalog)[T]['schema']>;
/** `data` of an event as a producer writes it. */
export type EventDataInput<T extends EventType> = z.input<(typeof eventCatalog)[T]['schema']>;
export type EventDataMap = { [T in EventType]: EventData<T> };

export const eventTypes = Object.keys(eventCatalog) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventCatalog, type);
}

export interface DataIssue {
  path: string;
  message: string;
}

/** `data` does not match its type's schema, or the type is not in the catalog. */
export class EventDataError extends Error {
  constructor(
    readonly type: string,
    readonly issues: DataIssue[],
  ) {
    super(`invalid data for ${type}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'EventDataError';
  }
}

export type ParseResult<T> = { success: true; data: T } | { success: false; error: EventDataError };

export function safeParseEventData<T extends EventType>(type: T, data: unknown): ParseResult<EventData<T>>;
export function safeParseEventData(type: string, data: unknown): ParseResult<unknown>;
export function safeParseEventData(type: string, data: unknown): ParseResult<unknown> {
  if (!isEventType(type)) {
    return { success: false, error: new EventDataError(type, [{ path: '(type)', message: 'not in the event catalog (contracts/events.ts)' }]) };
  }
  const schema: z.ZodType = eventCatalog[type].schema;
  const parsed = schema.safeParse(data);
  if (parsed.success) return { success: true, data: parsed.data };
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(data)', message: i.message }));
  return { success: false, error: new EventDataError(type, issues) };
}

/** Validated, typed `data`; throws EventDataError. */
export function parseEventData<T extends EventType>(type: T, data: unknown): EventData<T>;
export function parseEventData(type: string, data: unknown): unknown;
export function parseEventData(type: string, data: unknown): unknown {
  const r = safeParseEventData(type, data);
  if (!r.success) throw r.error;
  return r.data;
}

/** Functions that declare they emit `type` (their catalog `emits`). */
export function producersOf(type: string, functions: readonly FunctionSpec[] = functionCatalog): string[] {
  return functions.filter((f) => f.emits.includes(type)).map((f) => f.name);
}

/**
 * Functions with a subscription that receives `type`: its filter names this type, or has
 * no `type` key at all (Trigger filters are exact-match; no type = every type).
 */
export function consumersOf(type: string, functions: readonly FunctionSpec[] = functionCatalog): string[] {
  return functions
    .filter((f) => f.kind === 'event' && f.subscriptions.some((s) => s.filter.type === undefined || s.filter.type === type))
    .map((f) => f.name);
}

/** Functions that take `type` straight from the functions calling them (their catalog `accepts`), not from a Trigger. */
export function directConsumersOf(type: string, functions: readonly FunctionSpec[] = functionCatalog): string[] {
  return functions.filter((f) => f.kind === 'event' && (f.accepts ?? []).includes(type)).map((f) => f.name);
}
