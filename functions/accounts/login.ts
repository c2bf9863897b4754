import { randomUUID } from 'node:crypto';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { db } from '../../platform/clients.js';
import { unauthorized } from '../../platform/problem.js';
import { clientIp } from '../../platform/client-ip.js';
import { cacheUser } from '../../platform/auth/session-cache.js';
import { loginBody, tokens } from './schemas.js';
import { burnPasswordCheck, verifyPassword } from './passwords.js';
import { createSession, findUserByEmail, toUser } from './store.js';
import { tokenPair } from './tokens.js';
import { checkLoginRate } from './rate-limit.js';

const spec = httpSpec('accounts-login');

const route = routeOf(spec, {
  request: { body: { content: { 'application/json': { schema: loginBody } }, required: true } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: tokens } } },
    429: { description: 'Too many attempts; see Retry-After' },
  },
});

export default createFunctionApp(spec).openapi(route, async (c) => {
  const { email, password } = c.req.valid('json');
  await checkLoginRate(email, clientIp(c));
  const row = await findUserByEmail(email);
  const ok = row ? await verifyPassword(password, row.password_hash) : await burnPasswordCheck(password);
  // One answer for unknown email and wrong password: the response must not reveal which.
  if (!row || !ok) throw unauthorized('email or password is wrong');
  if (row.status !== 'active') throw unauthorized('account disabled');
  const user = toUser(row);
  const sessionId = randomUUID();
  const pair = await db().transaction(async (trx) => {
    await createSession(trx, sessionId, user.id);
    return tokenPair(trx, user, sessionId);
  });
  await cacheUser(user);
  c.get('log').info({ userId: user.id, sessionId }, 'login');
  return c.json(pair, 200);
});
