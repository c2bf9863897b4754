import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { locationAccepted, locationBody } from './schemas.js';
import { recordPosition } from './live-index.js';
import { activeRide } from './active-ride.js';
import { insertSample } from './store.js';
import { appendTrace } from './trip-trace.js';

const spec = httpSpec('tracking-location');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: locationBody } }, required: true } },
  responses: {
    202: { description: 'Position recorded', content: { 'application/json': { schema: locationAccepted } } },
  },
});

/**
 * The hottest endpoint (every online driver, every few seconds): Redis and one MongoDB
 * insert, which costs the same however many samples are stored. The ride's trace in Redis
 * is what /distance reads; `locations` is the durable copy for /track and the fallback.
 */
export default createFunctionApp(spec).openapi(route, async (c) => {
  const { lat, lon, heading, speedKmh } = c.req.valid('json');
  const driverId = c.get('principal').userId;
  // Server time: a phone's clock is not to be trusted for billing or freshness.
  const at = new Date();
  const rideId = await activeRide(driverId);
  const [indexed] = await Promise.all([
    recordPosition(driverId, { lat, lon, heading: heading ?? null, speedKmh: speedKmh ?? null, at }),
    insertSample({ driverId, rideId, at, lat, lon, heading: heading ?? null, speedKmh: speedKmh ?? null }),
    rideId ? appendTrace(rideId, { at, lat, lon }) : undefined,
  ]);
  return c.json({ receivedAt: at.toISOString(), rideId, searchable: indexed === 'indexed' }, 202);
});
