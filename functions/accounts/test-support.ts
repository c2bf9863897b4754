/**
 * Rows for accounts' unit tests (<operation>.test.ts), which give `handle` fake stores
 * instead of PostgreSQL and Redis. Only tests import this file, so no function bundle
 * holds it (test/architecture/floors.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type { UserRow } from './store.js';

/** The password the tests' users sign up and log in with. */
export const PASSWORD = 'correct horse battery';

/** An account as PostgreSQL returns it: Ada, an active rider, with a scrypt hash (of nothing the tests use). */
export function userRow(over: Partial<UserRow> = {}): UserRow {
  return {
    id: randomUUID(),
    email: 'ada@example.com',
    name: 'Ada',
    role: 'rider',
    status: 'active',
    password_hash: 'scrypt$15$8$1$c2FsdA$aGFzaA',
    created_at: new Date('2026-01-02T03:04:05.000Z'),
    ...over,
  };
}
