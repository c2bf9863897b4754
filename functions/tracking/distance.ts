import type { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import type { Principal } from '../../platform/auth/verify.js';
import { distance, distanceQuery, rideIdParam } from './schemas.js';
import { notFound } from '../../platform/problem.js';
import { readableRide } from './access.js';
import { rideSummary } from './ride-state.js';
import { traceBetween } from './trip-trace.js';
import { summaryFromTimeline } from './summary.js';
import { timelineOf } from './store.js';
import { traceOfRide } from './packed-trace.js';
import { drivenDistance, type Sample } from './odometer.js';

const spec = httpSpec('tracking-distance');

const route = routeOf(spec, {
  request: { params: rideIdParam, query: distanceQuery },
  responses: {
    200: { description: 'Distance driven between the start of the trip and its end (or now)', content: { 'application/json': { schema: distance } } },
    404: { description: 'No such ride, or not yours; with live=true also a ride tracking holds nothing live for (not seen yet, or older than a week)' },
  },
});

/** The hot reads from Redis (summary, trace) and the MongoDB fallback by default; fakes in the unit test. */
export interface Stores {
  rideSummary: typeof rideSummary;
  traceBetween: typeof traceBetween;
  timelineOf: typeof timelineOf;
  traceOfRide: typeof traceOfRide;
}

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
export async function handle(
  input: { id: string; live: boolean } & Pick<Principal, 'userId' | 'role'>,
  stores: Stores = { rideSummary, traceBetween, timelineOf, traceOfRide },
): Promise<z.infer<typeof distance>> {
  const rideId = input.id;
  const live = await stores.rideSummary(rideId);
  if (!live && input.live) throw notFound('live trace of this ride');
  const ride = readableRide(input, live ?? summaryFromTimeline(rideId, await stores.timelineOf(rideId)));
  if (!ride.driverId || !ride.startedAt) return { distanceMeters: 0, samples: 0, durationSeconds: 0, basis: 'none' };
  const end = ride.endedAt ?? new Date();
  const samples: Sample[] = live
    ? await stores.traceBetween(rideId, ride.startedAt, end)
    : await stores.traceOfRide(ride.rideId, ride.startedAt, end, ride.endedAt);
  const odo = drivenDistance(samples);
  return {
    distanceMeters: odo.meters,
    samples: odo.used,
    durationSeconds: Math.max(0, Math.round((end.getTime() - ride.startedAt.getTime()) / 1000)),
    basis: odo.used >= 2 ? 'measured' : 'none',
  };
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('param'), ...c.req.valid('query'), ...c.get('principal') }), 200),
);
