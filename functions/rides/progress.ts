/**
 * The assigned driver's simple steps (arrived, start): one statement that moves the ride,
 * guarded by the state it leaves and the driver, and writes the event with the rider it
 * takes from the row (changeWithEvent with fromRow). Only a refusal reads the ride, to
 * explain itself.
 */
import type { HttpFunction } from '../../contracts/catalog-types.js';
import type { Principal } from '../../platform/auth/verify.js';
import { changeWithEvent } from '../../platform/events/outbox.js';
import type { RideStatus } from './schemas.js';
import { transitionQuery, type RideRow } from './store.js';
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
  const moved = await changeWithEvent<RideRow, Step['type'], 'riderId'>(
    spec,
    transitionQuery({ id: rideId, from: [step.from], to: step.to, set: { [step.stamp]: new Date() }, where: { driver_id: p.userId } }),
    { type: step.type, subject: rideId, data: { rideId, driverId: p.userId } },
    { fromRow: { riderId: 'rider_id' } },
  );
  if (moved) return moved;
  // Not this driver's ride, or not in the state this step leaves (a cancel, a double tap).
  throw await whyDriverCannot(rideId, p, step.verb);
}
