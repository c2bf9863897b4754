import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { ride, rideIdParam } from './schemas.js';
import { toRide } from './store.js';
import { driverStep } from './progress.js';

const spec = httpSpec('rides-arrived');

const route = routeOf(spec, {
  request: { params: rideIdParam },
  responses: {
    200: { description: 'You are at the pickup point (accepted → arrived)', content: { 'application/json': { schema: ride } } },
    403: { description: 'You are not the assigned driver' },
    404: { description: 'No such ride' },
    409: { description: 'The ride is not in the accepted state; currentStatus says which it is' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const row = await driverStep(spec, c.req.valid('param').id, c.get('principal'), {
    from: 'accepted', to: 'arrived', stamp: 'arrived_at', type: 'microride.ride.driver_arrived', verb: 'mark arrival for',
  });
  return c.json(toRide(row), 200);
});
