/**
 * The accepting driver's public card, taken at acceptance, from the live index (the shared
 * read model in Redis, functions/tracking/live-index.ts): the profile part the drivers
 * service writes there with every status change and rating (functions/drivers/live.ts),
 * and the driver's last position, in one read. A driver can only be offered a ride once
 * they went online, which wrote the card, so the call below is a fallback for an index
 * that lost it or predates it: `GET {DRIVERS_URL}/api/v1/drivers/{id}` with the driver's
 * own bearer token.
 *
 * Why the index rather than a call per accept: the call went through the same gateway as
 * everything else, and under full load (every core busy) it timed out and turned accepts
 * into 503s and retries that cost the full-load rides benchmark a third of its rides
 * (docs/performance.md, "The rider's journey at full load"). The card in the index is as
 * fresh as the driver's last status change or rating. The card is stored on the ride, so
 * everything after the accept shows the car the rider was told about.
 */
import { z } from 'zod';
import { cardProfile, type DriverCard } from '../../contracts/driver-card.js';
import { httpRequest } from '../../platform/events/http-send.js';
import type { Logger } from '../../platform/logger.js';
import { HttpProblem } from '../../platform/problem.js';
import { parseStoredJson } from '../../platform/stored-json.js';
import { liveDriver } from '../tracking/live-index.js';
import { rideSettings } from './settings.js';

/** What rides reads of drivers' public view (unknown fields ignored: drivers may add more). */
const publicDriver = cardProfile.extend({ id: z.uuid() });

/** The service is there but could not answer: the driver taps accept again (the offer still stands). */
const unavailable = () =>
  new HttpProblem(503, 'the driver profile could not be read; try again', { headers: { 'retry-after': '1' } });

/**
 * The driver's card; null when the index holds no card and no drivers service is
 * configured (a platform running rides alone). A driver without a profile cannot have been
 * offered a ride, so a failure to read one is the service's, and the accept is refused with
 * 503 rather than made without the plate the rider needs to find the car.
 */
export async function driverCardOf(driverId: string, authorization: string, log: Logger): Promise<DriverCard | null> {
  // The position is a nicety: without it (or the index) the card still says who is coming.
  const live = await liveDriver(driverId).catch(() => null);
  const p = live?.position;
  const positionAtAcceptance = p ? { lat: p.lat, lon: p.lon, at: p.at.toISOString() } : null;
  if (live?.card) return { id: driverId, ...live.card, positionAtAcceptance };
  const { DRIVERS_URL } = rideSettings();
  if (!DRIVERS_URL) return null;
  return { ...(await profileOf(driverId, authorization, DRIVERS_URL, log)), positionAtAcceptance };
}

type PublicDriver = z.infer<typeof publicDriver>;

/** The profile from the drivers service; 503 when it does not answer in DRIVERS_TIMEOUT_MS. */
async function profileOf(driverId: string, authorization: string, driversUrl: string, log: Logger): Promise<PublicDriver> {
  const { DRIVERS_TIMEOUT_MS } = rideSettings();
  const url = new URL(`/api/v1/drivers/${encodeURIComponent(driverId)}`, driversUrl).href;
  const res = await httpRequest('GET', url, { authorization, accept: 'application/json' }, undefined, { timeoutMs: DRIVERS_TIMEOUT_MS }).catch((err: Error) => err);
  if (res instanceof Error) {
    log.warn({ driverId, err: res.message }, 'drivers call failed at accept');
    throw unavailable();
  }
  const parsed = res.status === 200 ? parseStoredJson(publicDriver, res.body.toString('utf8')) : null;
  if (!parsed) {
    log.warn({ driverId, status: res.status }, 'drivers answered no usable profile at accept');
    throw unavailable();
  }
  return parsed;
}
