/**
 * The distance actually driven, from tracking (a documented HTTP call: the answer is
 * needed now, to price the trip). Tracking failing or knowing nothing must never block a
 * completion: the caller falls back to the quoted distance and says so on the ride.
 */
import { z } from 'zod';
import { httpRequest } from '../../platform/events/http-send.js';
import type { Logger } from '../../platform/logger.js';
import { rideSettings } from './settings.js';

const answer = z.object({
  distanceMeters: z.number().nonnegative(),
  durationSeconds: z.number().nonnegative(),
  samples: z.number().int().nonnegative(),
  basis: z.enum(['measured', 'none']),
});

export interface Measured {
  distanceMeters: number;
  durationSeconds: number;
}

/** `authorization` is the completing driver's own header: tracking checks they may read this trace. */
export async function measuredTrip(rideId: string, authorization: string, log: Logger): Promise<Measured | null> {
  const { TRACKING_URL, TRACKING_TIMEOUT_MS } = rideSettings();
  if (!TRACKING_URL) return null;
  // live=true: the trip is ending now, so the archive knows nothing the live trace does not.
  const url = new URL(`/api/v1/rides/${encodeURIComponent(rideId)}/distance?live=true`, TRACKING_URL).href;
  try {
    const res = await httpRequest('GET', url, { authorization, accept: 'application/json' }, undefined, { timeoutMs: TRACKING_TIMEOUT_MS });
    if (res.status === 404) {
      // Tracking has not seen this ride (yet): under load it may be behind on the ride's events.
      log.info({ rideId }, 'tracking holds no live trace of this ride; using the quoted distance');
      return null;
    }
    if (res.status < 200 || res.status > 299) {
      log.warn({ rideId, status: res.status }, 'tracking distance unavailable; using the quoted distance');
      return null;
    }
    const parsed = answer.safeParse(JSON.parse(res.body.toString('utf8')));
    if (!parsed.success) {
      log.warn({ rideId, issues: parsed.error.issues }, 'tracking answered something unexpected; using the quoted distance');
      return null;
    }
    if (parsed.data.basis !== 'measured') return null;
    return { distanceMeters: Math.round(parsed.data.distanceMeters), durationSeconds: Math.round(parsed.data.durationSeconds) };
  } catch (err) {
    log.warn({ rideId, err: (err as Error).message }, 'tracking distance call failed; using the quoted distance');
    return null;
  }
}
