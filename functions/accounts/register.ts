import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { conflict } from '../../platform/problem.js';
import { cacheUser } from '../../platform/auth/session-cache.js';
import { registerBody, user } from './schemas.js';
import { hashPassword } from './passwords.js';
import { insertUser, toUser } from './store.js';
import { enqueueEvent } from '../../platform/events/outbox.js';

const spec = httpSpec('accounts-register');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: registerBody } }, required: true } },
  responses: {
    201: { description: 'Account created', content: { 'application/json': { schema: user } } },
    409: { description: 'Email already registered' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const body = c.req.valid('json');
  const passwordHash = await hashPassword(body.password);
  const created = await db().transaction(async (trx) => {
    const row = await insertUser(trx, { email: body.email, name: body.name, role: body.role, passwordHash });
    if (!row) return null;
    const user = toUser(row);
    await enqueueEvent(trx, spec, { type: 'microride.user.registered', subject: user.id, data: { userId: user.id, role: user.role, email: user.email } });
    return user;
  });
  if (!created) throw conflict('an account with this email already exists', { errors: [{ path: 'email', message: 'already registered' }] });
  await cacheUser(created);
  c.get('log').info({ userId: created.id, role: created.role }, 'user registered');
  return c.json(created, 201, { location: '/api/v1/users/me' });
});
