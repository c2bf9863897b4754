import { createFunctionApp } from '../../platform/app.js';
import type { Logger } from '../../platform/logger.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { marketNear, nearestAvailable } from '../tracking/live-index.js';
import { quoteRequest, quoteResponse } from './schemas.js';
import { currentSurge, redisSurgeState, type SurgeStateStore } from './surge.js';
import { priceQuote, type QuoteInput } from './price-quote.js';
import { signQuote, type Quote } from './quote-token.js';
import { checkQuoteRate } from './limits.js';

const spec = httpSpec('analysis-quote');

/** Drivers further than this are not a meaningful pickup ETA. */
const ETA_RADIUS_METERS = 10_000;

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: quoteRequest } }, required: true } },
  responses: {
    200: { description: 'A signed quote, valid for 5 minutes', content: { 'application/json': { schema: quoteResponse } } },
    429: { description: 'Too many quotes for this rider (QUOTE_RATE_LIMIT); see Retry-After' },
  },
});

/** What a quote reads and writes: the per-rider limit, the live index and the surge state in Redis by default, fakes in the unit test. */
export interface Stores {
  /** Throws the 429 (with Retry-After) when the rider is over QUOTE_RATE_LIMIT. */
  checkQuoteRate(riderId: string): Promise<void>;
  marketNear: typeof marketNear;
  nearestAvailable: typeof nearestAvailable;
  surgeState: SurgeStateStore;
}

/** Prices the trip in the pickup's market now and signs the quote. */
export async function handle(
  input: QuoteInput,
  ctx: { log: Logger },
  stores: Stores = { checkQuoteRate, marketNear, nearestAvailable, surgeState: redisSurgeState },
): Promise<Quote & { quoteId: string }> {
  const { riderId, pickup, dropoff, vehicleClass } = input;
  await stores.checkQuoteRate(riderId);
  const now = Date.now();
  const [market, nearest] = await Promise.all([
    stores.marketNear({ ...pickup, vehicleClass, now }),
    stores.nearestAvailable({ vehicleClass, ...pickup, radiusMeters: ETA_RADIUS_METERS, limit: 1, now }),
  ]);
  const surgeMultiplier = await currentSurge(vehicleClass, market, now, stores.surgeState);
  const quote = priceQuote(
    { riderId, pickup, dropoff, vehicleClass },
    { surgeMultiplier, nearestDriverMeters: nearest[0]?.distanceMeters ?? null },
    now,
  );
  ctx.log.debug({ cell: market.cell, market, surgeMultiplier }, 'quoted');
  return { quoteId: await signQuote(quote), ...quote };
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('json'), riderId: c.get('principal').userId }, { log: c.get('log') }), 200),
);
