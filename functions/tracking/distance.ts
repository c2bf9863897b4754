import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { distance, distanceQuery, rideIdParam } from './schemas.js';
import { notFound } from '../../platform/problem.js';
import { readableRide } from './access.js';
import { rideSummary } from './ride-state.js';
import { traceBetween } from './trip-trace.js';
import { summaryFromStore } from './summary.js';
import { samplesBetween } from './store.js';
import { drivenDistance, type Sample } from './odometer.js';

const spec = httpSpec('tracking-distance');

const route = routeOf(spec, {
  request: { params: rideIdParam, query: distanceQuery },
  responses: {
    200: { description: 'Distance driven between the start of the trip and its end (or now)', content: { 'application/json': { schema: distance } } },
    404: { description: 'No such ride, or not yours; with live=true also a ride tracking holds nothing live for (not seen yet, or older than a week)' },
  },
});

/**
 * Called by rides when the driver completes a trip (with the driver's bearer token), to
 * price it on the distance actually driven; "none" tells it to fall back to the quote.
 * Hot: answered from Redis (the ride's summary and trace). Only a ride whose Redis keys
 * are gone (expired, or never seen) is looked up in MongoDB, which scans on FerretDB —
 * unless the caller says live=true, as rides does: a trip ending now has no archive
 * newer than its live state, and under load tracking may simply not have caught up
 * with the ride's events yet (measured: half the completions of the rides benchmark
 * scanned FerretDB's timeline for nothing).
 */
export default createFunctionApp(spec).openapi(route, async (c) => {
  const principal = c.get('principal');
  const rideId = c.req.valid('param').id;
  const live = await rideSummary(rideId);
  if (!live && c.req.valid('query').live) throw notFound('live trace of this ride');
  const ride = readableRide(principal, live ?? (await summaryFromStore(rideId)).summary);
  if (!ride.driverId || !ride.startedAt) return c.json({ distanceMeters: 0, samples: 0, durationSeconds: 0, basis: 'none' as const }, 200);
  const end = ride.endedAt ?? new Date();
  const samples: Sample[] = live
    ? await traceBetween(rideId, ride.startedAt, end)
    : await samplesBetween(ride.driverId, ride.startedAt, end);
  const odo = drivenDistance(samples);
  return c.json(
    {
      distanceMeters: odo.meters,
      samples: odo.used,
      durationSeconds: Math.max(0, Math.round((end.getTime() - ride.startedAt.getTime()) / 1000)),
      basis: odo.used >= 2 ? ('measured' as const) : ('none' as const),
    },
    200,
  );
});
