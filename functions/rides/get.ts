import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { ride, rideIdParam } from './schemas.js';
import { toRide } from './store.js';
import { visibleRide } from './access.js';

const spec = httpSpec('rides-get');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'The ride (yours as rider or driver, or offered to you)', content: { 'application/json': { schema: ride } } },
    404: { description: 'No such ride, or not yours' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { row, offer } = await visibleRide(c.req.valid('param').id, c.get('principal'));
  return c.json(toRide(row, offer), 200);
});
