/**
 * A rider disputes the fare of their completed ride. Payments owns disputes: the only
 * effect a dispute can have is a refund of the ride's fare charge, which is payments'
 * own row, so opening and resolving one need nothing from another service. What payments
 * knows of the ride is its payments: a completed ride has a fare charge (rides-complete →
 * payments-capture). A ride with no payment of the caller's answers 404, whether it is
 * someone else's, not completed yet, or unknown: payments cannot tell these apart, and
 * the answer reveals nothing about other riders' rides.
 */
import type { Knex } from 'knex';
import type { HttpFunction } from '../../contracts/catalog-types.js';
import type { Logger } from '../../platform/logger.js';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, notFound } from '../../platform/problem.js';
import { db } from '../../platform/clients.js';
import { enqueueEvent } from '../../platform/events/outbox.js';
import type { EventInput } from '../../platform/events/emit.js';
import { rideIdParam } from './schemas.js';
import { dispute, disputeBody, type Dispute } from './dispute-schemas.js';
import { insertDispute, ridePayments, toDispute, type DisputeRow } from './disputes.js';
import { disputeSettings } from './dispute-settings.js';
import type { PaymentRow } from './store.js';

const spec = httpSpec('payments-dispute-open');

const route = routeOf(spec, {
  request: { params: rideIdParam, body: { content: { 'application/json': { schema: disputeBody } }, required: true } },
  responses: {
    201: { description: 'Dispute opened; an admin resolves it (refund or reject) and the rider is notified', content: { 'application/json': { schema: dispute } } },
    404: { description: 'No charged ride of yours with this id' },
    409: { description: 'Not disputable: not a completed ride, fare not charged or already refunded, window closed, or a dispute is already open' },
  },
});

/** The payments and disputes tables and the outbox (one transaction), the window setting and the clock; fakes in the unit test. */
export interface Stores {
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  ridePayments(trx: Knex.Transaction, rideId: string): Promise<PaymentRow[]>;
  insertDispute(trx: Knex.Transaction, d: { rideId: string; riderId: string; paymentId: string; reason: string }): Promise<DisputeRow | null>;
  enqueueEvent(trx: Knex.Transaction, spec: HttpFunction, event: EventInput<'microride.dispute.opened'>): Promise<unknown>;
  windowHours(): number;
  now(): number;
}

const defaults: Stores = {
  transaction: (work) => db().transaction(work),
  ridePayments,
  insertDispute,
  enqueueEvent,
  windowHours: () => disputeSettings().DISPUTE_WINDOW_HOURS,
  now: Date.now,
};

export async function handle(
  { rideId, riderId, reason, log }: { rideId: string; riderId: string; reason: string; log: Pick<Logger, 'info'> },
  stores: Stores = defaults,
): Promise<Dispute> {
  const row = await stores.transaction(async (trx) => {
    const mine = (await stores.ridePayments(trx, rideId)).filter((p) => p.rider_id === riderId);
    if (mine.length === 0) throw notFound('ride');
    const fare = mine.find((p) => p.kind === 'fare');
    if (!fare) throw conflict('only a completed ride can be disputed; this one has no fare', { currentStatus: 'not_completed' });
    if (fare.status === 'refunded') throw conflict('the fare of this ride was refunded in full already', { currentStatus: fare.status });
    if (fare.status !== 'succeeded') throw conflict(`the fare of this ride is not charged (it is ${fare.status}); dispute it once it is`, { currentStatus: fare.status });
    const closesAt = fare.created_at.getTime() + stores.windowHours() * 3_600_000;
    if (stores.now() > closesAt) {
      throw conflict(`the dispute window closed ${new Date(closesAt).toISOString()} (DISPUTE_WINDOW_HOURS=${stores.windowHours()} after the charge)`, { currentStatus: 'window_closed' });
    }
    const created = await stores.insertDispute(trx, { rideId, riderId, paymentId: fare.id, reason });
    if (!created) throw conflict('this ride already has an open dispute', { currentStatus: 'open' });
    await stores.enqueueEvent(trx, spec, { type: 'microride.dispute.opened', subject: rideId, data: { disputeId: created.id, rideId, riderId, paymentId: fare.id, reason } });
    return { created, currency: fare.currency };
  });
  log.info({ disputeId: row.created.id, rideId }, 'dispute opened');
  return toDispute(row.created, row.currency);
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ rideId: c.req.valid('param').id, riderId: c.get('principal').userId, reason: c.req.valid('json').reason, log: c.get('log') }), 201),
);
