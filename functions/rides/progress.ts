/**
 * The assigned driver's simple steps (arrived, start): one statement that moves the ride,
 * guarded by the states the transition leaves and the driver, and writes the event with
 * the rider and the driver's card it takes from the row. Only a refusal reads the ride, to
 * explain itself.
 */
import type { PartialEventInput } from '../../platform/events/outbox.js';
import type { HttpProblem } from '../../platform/problem.js';
import { riderAndCardFromRow, transitionWithEvent, type Emitter, type RideRow, type Transition } from './store.js';
import { rideReads, whyDriverCannot, type Caller, type RideReads } from './access.js';
import { transitions } from './transitions.js';

const steps = {
  arrived: { stamp: 'arrived_at', verb: 'mark arrival for' },
  start: { stamp: 'started_at', verb: 'start' },
} as const;

/** The step's transition in the table; also its timestamp column and the verb of its 409 ("cannot <verb> a ride that is …"). */
export type StepName = keyof typeof steps;

type StepEvent = (typeof transitions)[StepName]['event'];

/** The step's statement, and the reads that explain a refusal. */
export interface StepStores extends RideReads {
  move(t: Transition, event: PartialEventInput<StepEvent, 'riderId' | 'driver'>): Promise<RideRow | undefined>;
}

export const stepStores = (spec: Emitter): StepStores => ({
  ...rideReads,
  move: (t, event) => transitionWithEvent<StepEvent, 'riderId' | 'driver'>(spec, t, event, riderAndCardFromRow),
});

/** A further condition of a step (the start's pickup code) and how to explain the ride it refused. */
export interface StepGuard {
  whereRaw: NonNullable<Transition['whereRaw']>;
  /** The refusal when the guard is what failed on the ride as read; undefined: something else did. */
  refusal(row: RideRow): Promise<HttpProblem | undefined>;
}

export async function driverStep(name: StepName, rideId: string, p: Caller, stores: StepStores, guard?: StepGuard): Promise<RideRow> {
  const t = transitions[name];
  const { stamp, verb } = steps[name];
  const moved = await stores.move(
    { id: rideId, from: t.from, to: t.to, set: { [stamp]: new Date() }, where: { driver_id: p.userId }, ...(guard ? { whereRaw: guard.whereRaw } : {}) },
    { type: t.event, subject: rideId, data: { rideId, driverId: p.userId } },
  );
  if (moved) return moved;
  // Not this driver's ride, or not in a state this step leaves (a cancel, a double tap), or the guard.
  const row = await stores.findRide(rideId);
  const guarded = row && guard ? await guard.refusal(row) : undefined;
  throw guarded ?? (await whyDriverCannot(rideId, p, verb, stores, row));
}
