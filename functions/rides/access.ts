/**
 * Who may see and move a ride. A ride you have nothing to do with is 404 (not 403): its
 * existence is nobody else's business. Refusals name the current state so a client that
 * raced another one can tell what happened.
 */
import type { Principal } from '../../platform/auth/verify.js';
import { HttpProblem, conflict, forbidden, notFound } from '../../platform/problem.js';
import { findOffer, findRide, type OfferRow, type RideRow } from './store.js';
import { startsFrom, transitions } from './transitions.js';

/** What an operation knows of its caller: their account and role, from the verified token. */
export type Caller = Pick<Principal, 'userId' | 'role'>;

/** The reads that show a ride or explain a refusal: PostgreSQL by default, fakes in the unit tests. */
export interface RideReads {
  findRide(id: string): Promise<RideRow | undefined>;
  findOffer(rideId: string, driverId: string): Promise<OfferRow | undefined>;
}

export const rideReads: RideReads = { findRide: (id) => findRide(id), findOffer: (rideId, driverId) => findOffer(rideId, driverId) };

export interface Visible {
  row: RideRow;
  /** The caller's offer, when the caller is a driver the ride was offered to. */
  offer: OfferRow | undefined;
}

export async function visibleRide(id: string, p: Caller, reads: RideReads = rideReads): Promise<Visible> {
  const row = await reads.findRide(id);
  if (!row) throw notFound('ride');
  if (p.role === 'admin' || row.rider_id === p.userId || row.driver_id === p.userId) return { row, offer: undefined };
  if (p.role === 'driver') {
    const offer = await reads.findOffer(id, p.userId);
    // An offered driver sees the ride (pickup, fare) while it can be accepted, and not after it moved on.
    if (offer && startsFrom(transitions.accept, row.status)) return { row, offer };
  }
  throw notFound('ride');
}

/** After a driver's progress CAS missed, or a read refused it: why. `read`: the ride as just read, if it was. */
export async function whyDriverCannot(id: string, p: Caller, verb: string, reads: RideReads, read?: RideRow): Promise<HttpProblem> {
  const row = read ?? (await reads.findRide(id));
  if (!row) return notFound('ride');
  if (row.driver_id !== p.userId) {
    if (row.rider_id === p.userId) return forbidden(`only the assigned driver can ${verb} this ride`);
    const offer = p.role === 'driver' ? await reads.findOffer(id, p.userId) : undefined;
    return offer ? forbidden(`only the assigned driver can ${verb} this ride`) : notFound('ride');
  }
  return notMovable(row, verb);
}

export const notMovable = (row: RideRow, verb: string) =>
  conflict(`cannot ${verb} a ride that is ${row.status}`, { currentStatus: row.status });
