/**
 * Share my trip: links a rider hands to someone who follows the ride without an account.
 * A token is 256 random bits (base64url); only its SHA-256 is stored, so the table alone
 * opens nothing. A token names one ride and grants one thing, the shared view
 * (shared.ts): it is no JWT and no function takes it as a bearer token.
 *
 * A link dies when revoked, SHARE_AFTER_END_SECONDS (900) after the ride ends, or at
 * its `expiresAt` (SHARE_MAX_HOURS after it was made) — whichever comes first.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { db } from '../../platform/clients.js';
import { ridesSchema, type RideRow } from './store.js';

export const newShareToken = (): string => randomBytes(32).toString('base64url');
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export const sharesTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(ridesSchema()).table('shares');

export interface ShareRow {
  token_hash: string;
  ride_id: string;
  rider_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export const insertShare = async (s: Pick<ShareRow, 'token_hash' | 'ride_id' | 'rider_id' | 'expires_at'>): Promise<void> => {
  await sharesTable().insert(s);
};

/** Revokes the rider's link of that ride; false when there is none (or it is not theirs). */
export const revokeShare = async (r: { tokenHash: string; rideId: string; riderId: string }): Promise<boolean> => {
  const n = await sharesTable()
    .where({ token_hash: r.tokenHash, ride_id: r.rideId, rider_id: r.riderId })
    .update({ revoked_at: db().fn.now() }, ['token_hash']);
  return n.length > 0;
};

/** What the shared view needs of a link and its ride: nothing more is read (no plate-less copy to forget, no pickup code). */
export interface SharedRow {
  ride_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  status: RideRow['status'];
  driver_card: RideRow['driver_card'];
  completed_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
}

/** The link and its ride in one read; undefined when the token was never issued. */
export const findShared = (hash: string): Promise<SharedRow | undefined> =>
  sharesTable()
    // withSchema already qualifies the joined table.
    .join('rides as r', 'r.id', 'shares.ride_id')
    .where('shares.token_hash', hash)
    .first<SharedRow | undefined>(
      'shares.ride_id', 'shares.expires_at', 'shares.revoked_at', 'r.status', 'r.driver_card', 'r.completed_at', 'r.cancelled_at', 'r.expired_at',
    );

/** When the ride ended (completed, cancelled, expired); null while it runs. */
export const endedAt = (r: Pick<RideRow, 'completed_at' | 'cancelled_at' | 'expired_at'>): Date | null => r.completed_at ?? r.cancelled_at ?? r.expired_at ?? null;
