import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { conflict, notFound } from '../../platform/problem.js';
import { rideIdParam, shareLink } from './schemas.js';
import { findRide, type RideRow } from './store.js';
import type { Caller } from './access.js';
import { insertShare, newShareToken, tokenHash, type ShareRow } from './shares.js';
import { rideSettings } from './settings.js';

const spec = httpSpec('rides-share');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    201: { description: 'A new link to follow the ride without an account (the token is shown this once)', content: { 'application/json': { schema: shareLink } } },
    404: { description: 'No such ride, or not yours' },
    409: { description: 'The ride has ended; there is nothing left to follow' },
  },
});

/** The rides a link can be made for: from the request until the trip ends. */
const shareable: readonly RideRow['status'][] = ['requested', 'matching', 'accepted', 'arrived', 'in_progress'];

/** The ride read and the link written: PostgreSQL by default, fakes in the unit test. */
export interface Stores {
  findRide(id: string): Promise<RideRow | undefined>;
  insertShare(s: Pick<ShareRow, 'token_hash' | 'ride_id' | 'rider_id' | 'expires_at'>): Promise<void>;
}

/** The ride's rider makes a link (shares.ts); anyone holding it can follow this ride, and only this ride. */
export async function handle(
  input: { id: string; origin: string },
  caller: Caller,
  stores: Stores = { findRide: (id) => findRide(id), insertShare },
  now = new Date(),
): Promise<{ token: string; url: string; expiresAt: string }> {
  const ride = await stores.findRide(input.id);
  if (!ride || ride.rider_id !== caller.userId) throw notFound('ride');
  if (!shareable.includes(ride.status)) throw conflict(`cannot share a ride that is ${ride.status}`, { currentStatus: ride.status });
  const { SHARE_MAX_HOURS, SHARE_URL_BASE } = rideSettings();
  const token = newShareToken();
  const expiresAt = new Date(now.getTime() + SHARE_MAX_HOURS * 3_600_000);
  await stores.insertShare({ token_hash: tokenHash(token), ride_id: ride.id, rider_id: caller.userId, expires_at: expiresAt });
  return { token, url: new URL(`/api/v1/shared/${token}`, SHARE_URL_BASE ?? input.origin).href, expiresAt: expiresAt.toISOString() };
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ ...c.req.valid('param'), origin: new URL(c.req.url).origin }, c.get('principal')), 201),
);
