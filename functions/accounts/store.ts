/** accounts' PostgreSQL queries (schema `accounts`). */
import type { Knex } from 'knex';
import { db, schemaName } from '../../platform/clients.js';
import type { User } from './schemas.js';

export const accountsSchema = () => schemaName('accounts');
const users = (k: Knex | Knex.Transaction = db()) => k.withSchema(accountsSchema()).table('users');

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: User['role'];
  status: User['status'];
  password_hash: string;
  created_at: Date;
}

export const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  status: r.status,
  createdAt: r.created_at.toISOString(),
});

/** Runs `work` in one PostgreSQL transaction: committed when it resolves, rolled back when it throws. */
export const transaction = <T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> => db().transaction(work);

/** Inserts a user; returns null when the email (case-insensitively) is taken. */
export async function insertUser(
  trx: Knex.Transaction,
  u: { email: string; name: string; role: User['role']; passwordHash: string },
): Promise<UserRow | null> {
  const rows = (await trx.raw(
    `insert into ??.users (email, name, role, password_hash) values (?, ?, ?, ?)
     on conflict ((lower(email))) do nothing returning *`,
    [accountsSchema(), u.email, u.name, u.role, u.passwordHash],
  )) as { rows: UserRow[] };
  return rows.rows[0] ?? null;
}

export async function findUserByEmail(email: string): Promise<UserRow | undefined> {
  return users().whereRaw('lower(email) = lower(?)', [email]).first<UserRow>();
}

export async function findUserById(id: string): Promise<UserRow | undefined> {
  return users().where({ id }).first<UserRow>();
}

export interface RefreshRow {
  id: string;
  session_id: string;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
  user_id: string;
  revoked_at: Date | null;
}

export async function createSession(trx: Knex.Transaction, sessionId: string, userId: string): Promise<void> {
  await trx.withSchema(accountsSchema()).table('sessions').insert({ id: sessionId, user_id: userId });
}

export async function insertRefreshToken(
  trx: Knex.Transaction,
  t: { id: string; sessionId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await trx
    .withSchema(accountsSchema())
    .table('refresh_tokens')
    .insert({ id: t.id, session_id: t.sessionId, token_hash: t.tokenHash, expires_at: t.expiresAt });
}

/** Locks the token row (and reads its session) so two concurrent refreshes serialize. */
export async function lockRefreshToken(trx: Knex.Transaction, tokenHash: string): Promise<RefreshRow | undefined> {
  const s = accountsSchema();
  const res = (await trx.raw(
    `select t.*, s.user_id, s.revoked_at from ??.refresh_tokens t join ??.sessions s on s.id = t.session_id
     where t.token_hash = ? for update of t, s`,
    [s, s, tokenHash],
  )) as { rows: RefreshRow[] };
  return res.rows[0];
}

export async function markRefreshUsed(trx: Knex.Transaction, id: string): Promise<void> {
  await trx.withSchema(accountsSchema()).table('refresh_tokens').where({ id }).update({ used_at: trx.fn.now() });
}

export async function revokeSessionRow(k: Knex | Knex.Transaction, sessionId: string, reason: string): Promise<void> {
  await k
    .withSchema(accountsSchema())
    .table('sessions')
    .where({ id: sessionId })
    .whereNull('revoked_at')
    .update({ revoked_at: k.fn.now(), revoked_reason: reason });
}

/** Filters of the admin's user list. */
export interface UserFilter {
  role?: User['role'] | undefined;
  status?: User['status'] | undefined;
  /** Part of the email, any case. */
  email?: string | undefined;
  limit: number;
  offset: number;
}

/** One page of users, newest first, and how many match in all. */
export async function listUsers(f: UserFilter): Promise<{ rows: UserRow[]; total: number }> {
  const q = users();
  if (f.role) q.where({ role: f.role });
  if (f.status) q.where({ status: f.status });
  // The filter is text, not a pattern: escape LIKE's wildcards.
  if (f.email) q.whereRaw(`lower(email) like ? escape '\\'`, [`%${f.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
  const [rows, count] = await Promise.all([
    q.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(f.limit).offset(f.offset) as Promise<UserRow[]>,
    q.clone().count<{ n: string }[]>({ n: '*' }),
  ]);
  return { rows, total: Number(count[0]?.n ?? 0) };
}

/**
 * Sets a user's status; with 'disabled' also marks every live session of theirs revoked
 * (one transaction). Returns the user and the sessions it revoked; undefined: no such user.
 */
export async function setUserStatus(id: string, status: User['status'], reason: string): Promise<{ row: UserRow; revoked: string[] } | undefined> {
  return transaction(async (trx) => {
    const [row] = await users(trx).where({ id }).update({ status }).returning<UserRow[]>('*');
    if (!row) return undefined;
    if (status === 'active') return { row, revoked: [] };
    const revoked = (await trx
      .withSchema(accountsSchema())
      .table('sessions')
      .where({ user_id: id })
      .whereNull('revoked_at')
      .update({ revoked_at: trx.fn.now(), revoked_reason: reason })
      .returning('id')) as { id: string }[];
    return { row, revoked: revoked.map((r) => r.id) };
  });
}
