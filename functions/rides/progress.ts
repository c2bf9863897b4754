/**
 * The assigned driver's simple steps (arrived, start): read the ride (its rider is in the
 * event), then one statement that moves it, guarded by the state it leaves and the driver,
 * and writes the event (changeWithEvent). A refusal is explained from the row just read.
 */
import type { HttpFunction } from '../catalog-types.js';
import type { Principal } from '../runtime/auth/verify.js';
import { changeWithEvent } from '../runtime/events/outbox.js';
import type { RideStatus } from './schemas.js';
import { findRide, transitionQuery, type RideRow } from './store.js';
import { notMovable, whyDriverCannot } from './access.js';

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
  const current = await findRide(rideId);
  if (!current || current.driver_id !== p.userId) throw await whyDriverCannot(rideId, p, step.verb, current);
  if (current.status !== step.from) throw notMovable(current, step.verb);
  const moved = await changeWithEvent<RideRow, Step['type']>(
    spec,
    transitionQuery({ id: rideId, from: [step.from], to: step.to, set: { [step.stamp]: new Date() }, where: { driver_id: p.userId } }),
    { type: step.type, subject: rideId, data: { rideId, riderId: current.rider_id, driverId: p.userId } },
  );
  // Moved by someone else between the read and the write (a cancel, a double tap).
  if (!moved) throw await whyDriverCannot(rideId, p, step.verb);
  return moved;
}
