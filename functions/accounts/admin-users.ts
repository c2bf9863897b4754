import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { adminUsersQuery, userPage, type AdminUsersQuery, type UserPage } from './schemas.js';
import { listUsers, toUser } from './store.js';

const spec = httpSpec('accounts-admin-users');

const route = routeOf(spec, {
  request: { query: adminUsersQuery },
  responses: { 200: { description: 'One page of users, newest first', content: { 'application/json': { schema: userPage } } } },
});

/** The users table: PostgreSQL by default, a fake in the unit test. */
export interface Stores {
  listUsers: typeof listUsers;
}

/** One page of users matching the filter, with the total for paging. */
export async function handle(q: AdminUsersQuery, stores: Stores = { listUsers }): Promise<UserPage> {
  const { rows, total } = await stores.listUsers(q);
  return { items: rows.map(toUser), total, limit: q.limit, offset: q.offset };
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(c.req.valid('query')), 200));
