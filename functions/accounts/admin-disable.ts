import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import type { Logger } from '../../platform/logger.js';
import { userIdParam, userStatusChange, type UserStatusChange } from './schemas.js';
import { changeStatus, defaultStores, type Stores } from './admin-status.js';

const spec = httpSpec('accounts-admin-disable');

const route = routeOf(spec, {
  request: { params: userIdParam },
  responses: {
    200: { description: 'Disabled; every session of the user is revoked', content: { 'application/json': { schema: userStatusChange } } },
    404: { description: 'No such user' },
    409: { description: 'An admin cannot disable their own account' },
  },
});

export type { Stores };

/** Sets the user's status to disabled (idempotent: doing it twice changes nothing more). */
export async function handle(input: { id: string; adminId: string; log: Pick<Logger, 'info'> }, stores: Stores = defaultStores): Promise<UserStatusChange> {
  return changeStatus({ ...input, status: 'disabled' }, stores);
}

export default createFunctionApp(spec).openapi(route, async (c) =>
  c.json(await handle({ id: c.req.valid('param').id, adminId: c.get('principal').userId, log: c.get('log') }), 200),
);
