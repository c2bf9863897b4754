import type { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import type { Principal } from '../../platform/auth/verify.js';
import { rideIdParam, track } from './schemas.js';
import { readableRide } from './access.js';
import { timelineOf } from './store.js';
import { traceOfRide } from './packed-trace.js';
import { byEventTime, summaryFromTimeline } from './summary.js';
import { statusOf } from './lifecycle.js';

const spec = httpSpec('tracking-track');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'Timeline and location trace of the ride', content: { 'application/json': { schema: track } } },
    404: { description: 'No such ride, or not yours' },
  },
});

/** What the read scans: MongoDB's timeline and the ride's packed trace or samples by default, fakes in the unit test. */
export interface Stores {
  timelineOf: typeof timelineOf;
  traceOfRide: typeof traceOfRide;
}

/**
 * The rare read (a rider or driver looking back at a ride): everything from MongoDB, the
 * store of record, at the price of scans on FerretDB. The hot paths never come here.
 */
export async function handle(
  input: { id: string } & Pick<Principal, 'userId' | 'role'>,
  stores: Stores = { timelineOf, traceOfRide },
): Promise<z.infer<typeof track>> {
  const timeline = await stores.timelineOf(input.id);
  const ride = readableRide(input, summaryFromTimeline(input.id, timeline));
  const trace =
    ride.driverId && ride.acceptedAt ? await stores.traceOfRide(ride.rideId, ride.acceptedAt, ride.endedAt ?? new Date(), ride.endedAt) : [];
  return {
    rideId: ride.rideId,
    status: statusOf(ride.rank),
    timeline: [...timeline].sort(byEventTime).map((e) => ({ type: e.type, at: e.at.toISOString(), ...(e.location ? { location: e.location } : {}) })),
    trace: trace.map((s) => ({ lat: s.lat, lon: s.lon, at: s.at.toISOString(), heading: s.heading, speedKmh: s.speedKmh })),
  };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ...c.get('principal') }), 200));
