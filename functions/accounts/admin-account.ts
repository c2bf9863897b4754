/**
 * Creating an admin account. Admins cannot register themselves (the register body only
 * takes rider or driver): an operator with database access creates them with
 * `npm run admin -- create` (scripts/admin.ts), or in a cluster with the one-off Job
 * described in functions/accounts/README.md. Same password rules and hashing as
 * registration.
 */
import { z } from '@hono/zod-openapi';
import type { Knex } from 'knex';
import { email, registerBody, type User } from './schemas.js';
import { hashPassword } from './passwords.js';
import { insertUser, toUser, transaction, type UserRow } from './store.js';

export const adminAccountInput = z
  .object({
    email,
    password: registerBody.shape.password,
    name: z.string().trim().min(1, 'must not be empty').max(100).default('Administrator'),
  })
  .strict();

export type AdminAccountInput = z.input<typeof adminAccountInput>;

/** Why an admin could not be created, in words for the operator. */
export class AdminAccountError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'exists',
  ) {
    super(message);
    this.name = 'AdminAccountError';
  }
}

/** The password hash and the users table; fakes in the unit test. */
export interface Stores {
  hashPassword(password: string): Promise<string>;
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  insertUser(trx: Knex.Transaction, u: { email: string; name: string; role: User['role']; passwordHash: string }): Promise<UserRow | null>;
}

/** Validates the input, then inserts the admin; AdminAccountError when the input is bad or the email taken. */
export async function createAdmin(input: unknown, stores: Stores = { hashPassword, transaction, insertUser }): Promise<User> {
  const parsed = adminAccountInput.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  --${i.path.join('.') || '(input)'}: ${i.message}`);
    throw new AdminAccountError(`invalid admin account:\n${lines.join('\n')}`, 'invalid');
  }
  const { email: address, password, name } = parsed.data;
  const passwordHash = await stores.hashPassword(password);
  const row = await stores.transaction((trx) => stores.insertUser(trx, { email: address, name, role: 'admin', passwordHash }));
  if (!row) throw new AdminAccountError(`an account with the email ${address} already exists (whatever its role); nothing was changed`, 'exists');
  return toUser(row);
}
