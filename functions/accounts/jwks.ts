import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { publicJwks } from '../../platform/auth/keys.js';

const spec = httpSpec('accounts-jwks');

const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS');

const route = routeOf(spec, {
  responses: { 200: { description: 'JSON Web Key Set (RFC 7517)', content: { 'application/json': { schema: jwks } } } },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  c.header('cache-control', 'public, max-age=300');
  return c.json(await publicJwks(), 200);
});
