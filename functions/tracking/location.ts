import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { locationAccepted, locationBody } from './schemas.js';
import { recordPosition } from './live-index.js';
import { activeRide } from './active-ride.js';
import { insertSample } from './store.js';
import { appendTrace } from './trip-trace.js';
import { checkPingInterval } from './limits.js';
import { publishLive } from './live-push.js';
import { logger } from '../../platform/logger.js';

const spec = httpSpec('tracking-location');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: locationBody } }, required: true } },
  responses: {
    202: { description: 'Position recorded', content: { 'application/json': { schema: locationAccepted } } },
    429: { description: 'Less than LOCATION_MIN_INTERVAL_MS after the last accepted ping: not recorded; see Retry-After' },
  },
});

/** Where a position goes: Redis (ping interval, live index, active-ride pointer, trip trace, the rider's live view) and MongoDB by default, fakes in the unit test. */
export interface Stores {
  /** Throws the 429 (with Retry-After) when the driver's last accepted ping is under LOCATION_MIN_INTERVAL_MS old. */
  checkPingInterval(driverId: string): Promise<void>;
  activeRide: typeof activeRide;
  recordPosition: typeof recordPosition;
  insertSample: typeof insertSample;
  appendTrace: typeof appendTrace;
  publishLive: typeof publishLive;
}

export interface LocationPing {
  /** The driver's account id (the caller). */
  driverId: string;
  lat: number;
  lon: number;
  heading?: number | undefined;
  speedKmh?: number | undefined;
}

/**
 * The hottest endpoint (every online driver, every few seconds): Redis and one MongoDB
 * insert, which costs the same however many samples are stored. The ride's trace in Redis
 * is what /distance reads; `locations` is the durable copy for /track and the fallback.
 */
export async function handle(
  { driverId, lat, lon, heading, speedKmh }: LocationPing,
  stores: Stores = { checkPingInterval, activeRide, recordPosition, insertSample, appendTrace, publishLive },
): Promise<{ receivedAt: string; rideId: string | null; searchable: boolean }> {
  // Before any store is touched: a refused ping costs one Redis round trip (functions/tracking/limits.ts).
  await stores.checkPingInterval(driverId);
  // Server time: a phone's clock is not to be trusted for billing or freshness.
  const at = new Date();
  const rideId = await stores.activeRide(driverId);
  const [indexed] = await Promise.all([
    stores.recordPosition(driverId, { lat, lon, heading: heading ?? null, speedKmh: speedKmh ?? null, at }),
    stores.insertSample({ driverId, rideId, at, lat, lon, heading: heading ?? null, speedKmh: speedKmh ?? null }),
    rideId ? stores.appendTrace(rideId, { at, lat, lon, heading: heading ?? null, speedKmh: speedKmh ?? null }) : undefined,
    rideId ? pushLive(stores, rideId, { lat, lon, heading: heading ?? null, speedKmh: speedKmh ?? null }, at) : undefined,
  ]);
  return { receivedAt: at.toISOString(), rideId, searchable: indexed === 'indexed' };
}

/**
 * The rider's live view is ephemeral: if Redis fails it here, the next ping (a second or
 * so later) replaces it, whereas failing the ping would make the app resend a position
 * that is already stored.
 */
async function pushLive(stores: Stores, rideId: string, ping: Parameters<typeof publishLive>[1], at: Date): Promise<void> {
  try {
    await stores.publishLive(rideId, ping, at);
  } catch (err) {
    logger().warn({ err, rideId }, 'live position not published');
  }
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('json'), driverId: c.get('principal').userId }), 202));
