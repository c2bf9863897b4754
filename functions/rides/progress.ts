/**
 * The assigned driver's simple steps (arrived, start): one CAS guarded by the state they
 * leave and the driver, one event, in one transaction.
 */
import type { Knex } from 'knex';
import type { HttpFunction } from '../catalog-types.js';
import type { Principal } from '../runtime/auth/verify.js';
import { db } from '../runtime/clients.js';
import { enqueueEvent } from '../runtime/events/outbox.js';
import type { RideStatus } from './schemas.js';
import { transition, type RideRow } from './store.js';
import { whyDriverCannot } from './access.js';

export interface Step {
  from: RideStatus;
  to: RideStatus;
  /** Timestamp column the step fills. */
  stamp: 'arrived_at' | 'started_at';
  type: 'microride.ride.driver_arrived' | 'microride.ride.started';
  /** For the 409 text: "cannot <verb> a ride that is …". */
  verb: string;
}

export async function driverStep(spec: HttpFunction, rideId: string, p: Principal, step: Step): Promise<RideRow> {
  const row = await db().transaction(async (trx: Knex.Transaction) => {
    const moved = await transition(trx, {
      id: rideId,
      from: [step.from],
      to: step.to,
      set: { [step.stamp]: trx.fn.now() },
      where: { driver_id: p.userId },
    });
    if (!moved) return undefined;
    const data = { rideId, riderId: moved.rider_id, driverId: p.userId };
    await enqueueEvent(trx, spec, { type: step.type, subject: rideId, data });
    return moved;
  });
  if (!row) throw await whyDriverCannot(rideId, p, step.verb);
  return row;
}
