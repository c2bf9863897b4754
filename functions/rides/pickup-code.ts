/**
 * The pickup code: 4 digits the rider is given at acceptance and tells the driver, who
 * must enter it to start the trip — so the trip starts with the rider who booked it, in
 * the car they were told about. The code is the rider's: it appears only in the rider's
 * view of the ride (store.ts withPickupCode), never in a response to the driver, an event
 * (events go to both parties) or a log line.
 *
 * Guessing 4 digits is cheap, so wrong codes are counted per ride and driver in Redis: after
 * PICKUP_CODE_MAX_FAILURES (5) the start is refused with 429 for
 * PICKUP_CODE_LOCKOUT_SECONDS (60), counted from the last wrong code.
 */
import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redis, rkey } from '../../platform/clients.js';
import { HttpProblem } from '../../platform/problem.js';
import { tooManyRequests } from '../../platform/rate-limit.js';
import { rideSettings } from './settings.js';

/** A uniformly random 4-digit code from the CSPRNG. */
export const newPickupCode = (): string => String(randomInt(0, 10_000)).padStart(4, '0');

// Per ride and driver: a ride matched again after its driver cancelled starts with a clean count.
const failuresKey = (rideId: string, driverId: string) => rkey('rides', 'pickup-failures', rideId, driverId);

const lockout = { what: 'wrong pickup codes for this ride', setting: 'PICKUP_CODE_MAX_FAILURES' } as const;

/** The wrong-code counter: Redis by default, a fake in the unit test. */
export interface PickupGuard {
  /** Throws the 429 while the ride's start is locked out for this driver. */
  assertNotLocked(rideId: string, driverId: string): Promise<void>;
  /** Counts a wrong code and returns the 422 to answer. */
  wrongCode(rideId: string, driverId: string): Promise<HttpProblem>;
}

export function redisPickupGuard(client: () => Redis = redis): PickupGuard {
  return {
    async assertNotLocked(rideId, driverId) {
      const { PICKUP_CODE_MAX_FAILURES } = rideSettings();
      const key = failuresKey(rideId, driverId);
      const [[, count], [, pttl]] = ((await client().multi().get(key).pttl(key).exec()) ?? []) as [
        [unknown, string | null],
        [unknown, number],
      ];
      if (Number(count ?? 0) >= PICKUP_CODE_MAX_FAILURES) throw tooManyRequests(lockout, pttl > 0 ? pttl : 1_000, 'too many wrong pickup codes');
    },
    async wrongCode(rideId, driverId) {
      const { PICKUP_CODE_MAX_FAILURES, PICKUP_CODE_LOCKOUT_SECONDS } = rideSettings();
      const key = failuresKey(rideId, driverId);
      const [[, count]] = ((await client().multi().incr(key).pexpire(key, PICKUP_CODE_LOCKOUT_SECONDS * 1_000).exec()) ?? []) as [[unknown, number]];
      const left = Math.max(0, PICKUP_CODE_MAX_FAILURES - Number(count));
      return new HttpProblem(422, `wrong pickup code; ask the rider for the code their app shows (${left} ${left === 1 ? 'try' : 'tries'} left)`, {
        errors: [{ path: 'pickupCode', message: 'does not match the code the rider was given' }],
      });
    },
  };
}
