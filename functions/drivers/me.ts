import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { HttpProblem } from '../../platform/problem.js';
import { ownDriver } from './schemas.js';
import { findByUser, toOwn } from './store.js';

const spec = httpSpec('drivers-me');

const route = routeOf(spec, {
  responses: {
    200: { description: 'Your driver profile', content: { 'application/json': { schema: ownDriver } } },
    404: { description: 'No driver profile yet' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const row = await findByUser(c.get('principal').userId);
  if (!row) throw new HttpProblem(404, 'you have no driver profile yet; create it with POST /api/v1/drivers');
  return c.json(toOwn(row), 200);
});
