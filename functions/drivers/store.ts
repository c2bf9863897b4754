/** drivers' PostgreSQL queries (schema `drivers`). */
import type { Knex } from 'knex';
import { db, schemaName } from '../../platform/clients.js';
import type { VehicleClass } from '../../contracts/vehicles.js';
import type { OwnDriver, PublicDriver } from './schemas.js';

export const driversSchema = () => schemaName('drivers');
export const driversTable = (k: Knex | Knex.Transaction = db()) => k.withSchema(driversSchema()).table('drivers');

export interface DriverRow {
  id: string;
  user_id: string;
  display_name: string;
  license_number: string;
  vehicle_make: string;
  vehicle_model: string;
  vehicle_plate: string;
  vehicle_class: VehicleClass;
  vehicle_seats: number;
  status: 'offline' | 'online' | 'on_trip';
  rating_avg: string | null;
  rating_count: number;
  /** Rides this driver accepted and then gave back before pickup (migration 007). */
  cancellation_count: number;
  current_ride_id: string | null;
  /** Raised by every status change (under the row lock); orders the live-index syncs. pg returns bigint as text. */
  status_version: string;
  created_at: Date;
  updated_at: Date;
}

/** A driver's first name, for riders: the card shows no more of the name. */
export const firstNameOf = (displayName: string) => displayName.trim().split(/\s+/)[0] || displayName;

/**
 * `id` is the driver's account (user) id: the one id the API names drivers by (rides'
 * `driverId`, the events, `GET /api/v1/drivers/{id}`). The row's own id stays inside the
 * service (and the live index's `profile` field).
 */
export const toPublic = (r: DriverRow): PublicDriver => ({
  id: r.user_id,
  name: r.display_name,
  firstName: firstNameOf(r.display_name),
  vehicle: { make: r.vehicle_make, model: r.vehicle_model, plate: r.vehicle_plate, class: r.vehicle_class, seats: r.vehicle_seats },
  status: r.status,
  rating: { average: r.rating_avg === null ? null : Number(r.rating_avg), count: r.rating_count },
});

export const toOwn = (r: DriverRow): OwnDriver => ({
  ...toPublic(r),
  licenseNumber: r.license_number,
  cancellations: { beforePickup: r.cancellation_count },
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const findByUser = (userId: string) => driversTable().where({ user_id: userId }).first<DriverRow | undefined>();


/** Runs `work` in one PostgreSQL transaction: committed when it resolves, rolled back when it throws. */
export const transaction = <T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> => db().transaction(work);

/** The driver's row, locked until the transaction ends, so their status changes run one at a time. */
export const lockByUser = (trx: Knex.Transaction, userId: string) =>
  driversTable(trx).where({ user_id: userId }).forUpdate().first<DriverRow | undefined>();

/** The profile's columns as a registration writes them; the rest take their defaults. */
export type NewDriverRow = Pick<
  DriverRow,
  'user_id' | 'display_name' | 'license_number' | 'vehicle_make' | 'vehicle_model' | 'vehicle_plate' | 'vehicle_class' | 'vehicle_seats'
>;

/** Rejects with PostgreSQL's 23505 when the user or the plate already has a profile (see uniqueViolation). */
export const insertDriver = (trx: Knex.Transaction, row: NewDriverRow) => driversTable(trx).insert(row).returning<DriverRow[]>('*');

/** Sets the status and raises status_version, which orders the live-index writes (live.ts). */
export async function setStatus(trx: Knex.Transaction, id: string, status: DriverRow['status']): Promise<DriverRow | undefined> {
  const [updated] = await driversTable(trx).where({ id }).update({ status, status_version: trx.raw('status_version + 1'), updated_at: trx.fn.now() }).returning<DriverRow[]>('*');
  return updated;
}

/** Which unique constraint a 23505 hit, so the client hears which field clashed. */
export function uniqueViolation(err: unknown): 'user_id' | 'vehicle_plate' | null {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return null;
  return e.constraint?.includes('plate') ? 'vehicle_plate' : 'user_id';
}
