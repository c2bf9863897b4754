import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { clientIp } from '../../platform/client-ip.js';
import { HttpProblem, notFound } from '../../platform/problem.js';
import { hitLimits } from '../../platform/rate-limit.js';
import type { LivePosition } from '../../contracts/live-position.js';
import { toSharedCard } from '../../contracts/driver-card.js';
import { sharedTrip, shareTokenParam } from './schemas.js';
import { endedAt, findShared, tokenHash, type SharedRow } from './shares.js';
import { rideSettings } from './settings.js';
import { LIVE_STATUSES, latestPosition } from './live.js';

const spec = httpSpec('rides-shared');

const route = routeOf(spec, {
  request: { params: shareTokenParam },
  responses: {
    200: { description: 'The shared trip: status, the driver without the plate, live position and ETA', content: { 'application/json': { schema: sharedTrip } } },
    404: { description: 'No such link' },
    410: { description: 'The link was revoked, the ride ended more than SHARE_AFTER_END_SECONDS ago, or the link expired' },
    429: { description: 'Too many reads from this address (SHARED_RATE_LIMIT per SHARED_RATE_WINDOW_SECONDS)' },
  },
});

/** The link and its ride, the live position, the rate limit: PostgreSQL and Redis by default, fakes in the unit test. */
export interface Stores {
  findShared(hash: string): Promise<SharedRow | undefined>;
  livePosition(rideId: string): Promise<LivePosition | null>;
  hit(ip: string): Promise<void>;
}

const hitSharedLimit = async (ip: string) => {
  const { SHARED_RATE_LIMIT: max, SHARED_RATE_WINDOW_SECONDS: window } = rideSettings();
  await hitLimits([{ what: 'shared trip reads', detail: 'too many shared trip reads from this address', setting: 'SHARED_RATE_LIMIT', key: ['shared', 'ip', ip], max, windowMs: window * 1000 }]);
};

const gone = (why: string) => new HttpProblem(410, `this shared trip link ${why}`);

/**
 * Anyone with the link (no account) sees the ride's status, the driver's card without the
 * plate, and the live position with its ETA. Nothing else: no ids, no places, no fare.
 */
export async function handle(
  input: { token: string; ip: string },
  stores: Stores = { findShared, livePosition: latestPosition, hit: hitSharedLimit },
  now = new Date(),
) {
  await stores.hit(input.ip);
  const s = await stores.findShared(tokenHash(input.token));
  if (!s) throw notFound('shared trip');
  if (s.revoked_at) throw gone('was revoked');
  if (s.expires_at <= now) throw gone('expired');
  const ended = endedAt(s);
  if (ended && now.getTime() - ended.getTime() > rideSettings().SHARE_AFTER_END_SECONDS * 1000) throw gone('ended with the ride');
  const position = LIVE_STATUSES.has(s.status) ? await stores.livePosition(s.ride_id) : null;
  // Not even the ride's id: the link is the only handle the viewer needs.
  const live = position ? (({ rideId: _rideId, ...rest }) => rest)(position) : null;
  return { status: s.status, driver: s.driver_card ? toSharedCard(s.driver_card) : null, live };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle({ ...c.req.valid('param'), ip: clientIp(c) }), 200));
