/**
 * Who may see and move a ride. A ride you have nothing to do with is 404 (not 403): its
 * existence is nobody else's business. Refusals name the current state so a client that
 * raced another one can tell what happened.
 */
import type { Knex } from 'knex';
import type { Principal } from '../../platform/auth/verify.js';
import { db } from '../../platform/clients.js';
import { HttpProblem, conflict, forbidden, notFound } from '../../platform/problem.js';
import { findOffer, findRide, type OfferRow, type RideRow } from './store.js';

export interface Visible {
  row: RideRow;
  /** The caller's offer, when the caller is a driver the ride was offered to. */
  offer: OfferRow | undefined;
}

export async function visibleRide(id: string, p: Principal, k: Knex | Knex.Transaction = db()): Promise<Visible> {
  const row = await findRide(id, k);
  if (!row) throw notFound('ride');
  if (p.role === 'admin' || row.rider_id === p.userId || row.driver_id === p.userId) return { row, offer: undefined };
  if (p.role === 'driver') {
    const offer = await findOffer(id, p.userId, k);
    // An offered driver sees the ride (pickup, fare) while deciding, and not after the ride moved on.
    if (offer && row.status === 'matching') return { row, offer };
  }
  throw notFound('ride');
}

/** After a driver's progress CAS missed, or a read refused it: why. `read`: the ride as just read, if it was. */
export async function whyDriverCannot(id: string, p: Principal, verb: string, read?: RideRow): Promise<HttpProblem> {
  const row = read ?? (await findRide(id));
  if (!row) return notFound('ride');
  if (row.driver_id !== p.userId) {
    if (row.rider_id === p.userId) return forbidden(`only the assigned driver can ${verb} this ride`);
    const offer = p.role === 'driver' ? await findOffer(id, p.userId) : undefined;
    return offer ? forbidden(`only the assigned driver can ${verb} this ride`) : notFound('ride');
  }
  return notMovable(row, verb);
}

export const notMovable = (row: RideRow, verb: string) =>
  conflict(`cannot ${verb} a ride that is ${row.status}`, { currentStatus: row.status });
