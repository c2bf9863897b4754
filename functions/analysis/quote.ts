import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { marketNear, nearestAvailable } from '../tracking/live-index.js';
import { quoteRequest, quoteResponse } from './schemas.js';
import { currentSurge } from './surge.js';
import { priceQuote } from './price-quote.js';
import { signQuote } from './quote-token.js';

const spec = httpSpec('analysis-quote');

/** Drivers further than this are not a meaningful pickup ETA. */
const ETA_RADIUS_METERS = 10_000;

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: quoteRequest } }, required: true } },
  responses: {
    200: { description: 'A signed quote, valid for 5 minutes', content: { 'application/json': { schema: quoteResponse } } },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { pickup, dropoff, vehicleClass } = c.req.valid('json');
  const now = Date.now();
  const [market, nearest] = await Promise.all([
    marketNear({ ...pickup, vehicleClass, now }),
    nearestAvailable({ vehicleClass, ...pickup, radiusMeters: ETA_RADIUS_METERS, limit: 1, now }),
  ]);
  const surgeMultiplier = await currentSurge(vehicleClass, market, now);
  const quote = priceQuote(
    { riderId: c.get('principal').userId, pickup, dropoff, vehicleClass },
    { surgeMultiplier, nearestDriverMeters: nearest[0]?.distanceMeters ?? null },
    now,
  );
  c.get('log').debug({ cell: market.cell, market, surgeMultiplier }, 'quoted');
  return c.json({ quoteId: await signQuote(quote), ...quote }, 200);
});
