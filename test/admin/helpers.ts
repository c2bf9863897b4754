/** Admin sessions for the operations tests: created as an operator would (createAdmin), then signed in through the gateway. */
import { expect } from 'vitest';
import { createAdmin } from '../../functions/accounts/admin-account.js';
import { post, uniqueEmail, type Session } from '../helpers/users.js';

export const ADMIN_PASSWORD = 'admin password 0001';

export async function newAdmin(baseUrl: string): Promise<Session> {
  const email = uniqueEmail('admin');
  await createAdmin({ email, password: ADMIN_PASSWORD, name: 'Test admin' });
  const login = await post(baseUrl, '/api/v1/auth/login', { email, password: ADMIN_PASSWORD });
  expect(login.status, await login.clone().text()).toBe(200);
  const body = (await login.json()) as Omit<Session, 'auth'>;
  expect(body.user.role).toBe('admin');
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}
