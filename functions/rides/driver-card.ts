/**
 * The accepting driver's public card, taken at acceptance: the profile from the drivers
 * service (a documented HTTP call, `GET {DRIVERS_URL}/api/v1/drivers/{id}` with the
 * driver's own bearer token: the answer is needed now, to tell the rider who is coming)
 * and the driver's last position from the live index (the shared read model tracking
 * keeps in Redis, functions/tracking/live-index.ts). Why a call and not a copy fed by
 * drivers' events: an accept is one human tap per ride, the card is then current (rating
 * included) rather than as fresh as a replica, and rides keeps no second copy of every
 * profile that has to follow each change. The card is stored on the ride, so everything
 * after the accept shows the car the rider was told about.
 *
 * The profile part is kept in Redis for DRIVER_CARD_CACHE_SECONDS (300) after a read: a
 * driver accepts ride after ride, and a call per accept is one more request through the
 * gateway, which under full load (every core busy) timed out and turned accepts into 503s
 * and retries (docs/performance.md, "The rider's journey at full load"). A rating up to
 * five minutes old on the card is the price.
 */
import { z } from 'zod';
import type { DriverCard } from '../../contracts/driver-card.js';
import { vehicleClass } from '../../contracts/vehicles.js';
import { httpRequest } from '../../platform/events/http-send.js';
import type { Logger } from '../../platform/logger.js';
import { HttpProblem } from '../../platform/problem.js';
import { redis, rkey } from '../../platform/clients.js';
import { liveDriver } from '../tracking/live-index.js';
import { rideSettings } from './settings.js';

/** What rides reads of drivers' public view (unknown fields ignored: drivers may add more). */
const publicDriver = z.object({
  id: z.uuid(),
  firstName: z.string().min(1),
  vehicle: z.object({ make: z.string(), model: z.string(), plate: z.string(), class: vehicleClass }),
  rating: z.object({ average: z.number().nullable(), count: z.number().int() }),
});

/** The service is there but could not answer: the driver taps accept again (the offer still stands). */
const unavailable = () =>
  new HttpProblem(503, 'the driver profile could not be read; try again', { headers: { 'retry-after': '1' } });

/**
 * The driver's card; null when no drivers service is configured (a platform running rides
 * alone). A driver without a profile cannot have been offered a ride, so any failure to
 * read one is the service's, and the accept is refused with 503 rather than made without
 * the plate the rider needs to find the car.
 */
export async function driverCardOf(driverId: string, authorization: string, log: Logger): Promise<DriverCard | null> {
  const { DRIVERS_URL } = rideSettings();
  if (!DRIVERS_URL) return null;
  const [d, live] = await Promise.all([
    profileOf(driverId, authorization, DRIVERS_URL, log),
    // The position is a nicety: without it the card still says who is coming.
    liveDriver(driverId).catch(() => null),
  ]);
  const p = live?.position;
  return {
    id: d.id,
    firstName: d.firstName,
    vehicle: { make: d.vehicle.make, model: d.vehicle.model, class: d.vehicle.class, plate: d.vehicle.plate },
    rating: d.rating,
    positionAtAcceptance: p ? { lat: p.lat, lon: p.lon, at: p.at.toISOString() } : null,
  };
}

type PublicDriver = z.infer<typeof publicDriver>;

const cacheKey = (driverId: string) => rkey('rides', 'driver-profile', driverId);

/** The profile from the cache, else from the drivers service (then cached); 503 when neither answers. */
async function profileOf(driverId: string, authorization: string, driversUrl: string, log: Logger): Promise<PublicDriver> {
  const { DRIVERS_TIMEOUT_MS, DRIVER_CARD_CACHE_SECONDS } = rideSettings();
  const cached = DRIVER_CARD_CACHE_SECONDS > 0 ? await redis().get(cacheKey(driverId)).catch(() => null) : null;
  const hit = cached ? publicDriver.safeParse(jsonOrNull(cached)) : undefined;
  if (hit?.success) return hit.data;
  const url = new URL(`/api/v1/drivers/${encodeURIComponent(driverId)}`, driversUrl).href;
  const res = await httpRequest('GET', url, { authorization, accept: 'application/json' }, undefined, { timeoutMs: DRIVERS_TIMEOUT_MS }).catch((err: Error) => err);
  if (res instanceof Error) {
    log.warn({ driverId, err: res.message }, 'drivers call failed at accept');
    throw unavailable();
  }
  const parsed = res.status === 200 ? publicDriver.safeParse(jsonOrNull(res.body.toString('utf8'))) : undefined;
  if (!parsed?.success) {
    log.warn({ driverId, status: res.status }, 'drivers answered no usable profile at accept');
    throw unavailable();
  }
  if (DRIVER_CARD_CACHE_SECONDS > 0) {
    await redis().set(cacheKey(driverId), JSON.stringify(parsed.data), 'EX', DRIVER_CARD_CACHE_SECONDS).catch(() => undefined);
  }
  return parsed.data;
}

function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
