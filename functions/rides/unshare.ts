import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { rideIdParam, shareTokenParam } from './schemas.js';
import type { Caller } from './access.js';
import { revokeShare, tokenHash } from './shares.js';

const spec = httpSpec('rides-unshare');

const route = routeOf(spec, {
  request: { params: z.object({ ...rideIdParam.shape, ...shareTokenParam.shape }) },
  responses: {
    204: { description: 'Revoked: the link answers 410 from now on' },
    404: { description: 'No such link for this ride of yours' },
  },
});

/** The revoking statement: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  revokeShare: typeof revokeShare;
}

/** The ride's rider revokes one of its links (revoking twice is fine: still 204). */
export async function handle(input: { id: string; token: string }, caller: Caller, stores: Stores = { revokeShare }): Promise<void> {
  const revoked = await stores.revokeShare({ tokenHash: tokenHash(input.token), rideId: input.id, riderId: caller.userId });
  if (!revoked) throw notFound('share link');
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  await handle(c.req.valid('param'), c.get('principal'));
  return c.body(null, 204);
});
