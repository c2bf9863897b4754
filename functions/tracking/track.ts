import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { rideIdParam, track } from './schemas.js';
import { readableRide } from './access.js';
import { samplesBetween } from './store.js';
import { byEventTime, summaryFromStore } from './summary.js';
import { statusOf } from './lifecycle.js';

const spec = httpSpec('tracking-track');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'Timeline and location trace of the ride', content: { 'application/json': { schema: track } } },
    404: { description: 'No such ride, or not yours' },
  },
});

/**
 * The rare read (a rider or driver looking back at a ride): everything from MongoDB, the
 * store of record, at the price of scans on FerretDB. The hot paths never come here.
 */
export default createFunctionApp(spec).openapi(route, async (c) => {
  const { summary, timeline } = await summaryFromStore(c.req.valid('param').id);
  const ride = readableRide(c.get('principal'), summary);
  const trace =
    ride.driverId && ride.acceptedAt ? await samplesBetween(ride.driverId, ride.acceptedAt, ride.endedAt ?? new Date()) : [];
  return c.json(
    {
      rideId: ride.rideId,
      status: statusOf(ride.rank),
      timeline: [...timeline].sort(byEventTime).map((e) => ({ type: e.type, at: e.at.toISOString(), ...(e.location ? { location: e.location } : {}) })),
      trace: trace.map((s) => ({ lat: s.lat, lon: s.lon, at: s.at.toISOString(), heading: s.heading, speedKmh: s.speedKmh })),
    },
    200,
  );
});
