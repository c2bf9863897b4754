import { createFunctionApp } from '../runtime/app.js';
import { httpSpec, routeOf } from '../runtime/route.js';
import { distance, rideIdParam } from './schemas.js';
import { rideFor } from './access.js';
import { samplesBetween } from './store.js';
import { drivenDistance } from './odometer.js';

const spec = httpSpec('tracking-distance');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'Distance driven between the start of the trip and its end (or now)', content: { 'application/json': { schema: distance } } },
    404: { description: 'No such ride, or not yours' },
  },
});

/**
 * Called by rides when the driver completes a trip (with the driver's bearer token), to
 * price it on the distance actually driven; "none" tells it to fall back to the quote.
 */
export default createFunctionApp(spec).openapi(route, async (c) => {
  const doc = await rideFor(c.get('principal'), c.req.valid('param').id);
  if (!doc.driverId || !doc.startedAt) return c.json({ distanceMeters: 0, samples: 0, durationSeconds: 0, basis: 'none' as const }, 200);
  const end = doc.endedAt ?? new Date();
  const samples = await samplesBetween(doc.driverId, doc.startedAt, end);
  const odo = drivenDistance(samples);
  return c.json(
    {
      distanceMeters: odo.meters,
      samples: odo.used,
      durationSeconds: Math.max(0, Math.round((end.getTime() - doc.startedAt.getTime()) / 1000)),
      basis: odo.used >= 2 ? ('measured' as const) : ('none' as const),
    },
    200,
  );
});
