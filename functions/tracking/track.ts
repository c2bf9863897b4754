import { createFunctionApp } from '../runtime/app.js';
import { httpSpec, routeOf } from '../runtime/route.js';
import { rideIdParam, track } from './schemas.js';
import { rideFor } from './access.js';
import { samplesBetween } from './store.js';
import { sortedTimeline, statusOf } from './ride-log.js';

const spec = httpSpec('tracking-track');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'Timeline and location trace of the ride', content: { 'application/json': { schema: track } } },
    404: { description: 'No such ride, or not yours' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const doc = await rideFor(c.get('principal'), c.req.valid('param').id);
  const trace =
    doc.driverId && doc.acceptedAt ? await samplesBetween(doc.driverId, doc.acceptedAt, doc.endedAt ?? new Date()) : [];
  return c.json(
    {
      rideId: doc._id,
      status: statusOf(doc.rank),
      timeline: sortedTimeline(doc).map((e) => ({ type: e.type, at: e.at.toISOString(), ...(e.location ? { location: e.location } : {}) })),
      trace: trace.map((s) => ({ lat: s.lat, lon: s.lon, at: s.at.toISOString(), heading: s.heading, speedKmh: s.speedKmh })),
    },
    200,
  );
});
