import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { publicDriver } from './schemas.js';
import { findById, toPublic } from './store.js';

const spec = httpSpec('drivers-get');

const route = routeOf(spec, {
  request: { params: z.object({ id: z.string().uuid('must be a driver id (uuid)').openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: { description: 'Public driver view; the licence number is never shown', content: { 'application/json': { schema: publicDriver } } },
    404: { description: 'No such driver' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const row = await findById(c.req.valid('param').id);
  if (!row) throw notFound('driver');
  return c.json(toPublic(row), 200);
});
