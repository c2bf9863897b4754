/**
 * Rows for drivers' unit tests (<operation>.test.ts), which give `handle` fake stores
 * instead of PostgreSQL. Only tests import this file, so no function bundle holds it
 * (test/architecture/floors.test.ts).
 */
import { randomUUID } from 'node:crypto';
import type { DriverRow } from './store.js';

/** A profile as PostgreSQL returns it: a comfort Prius, offline, not rated yet, as registered (status_version 0). */
export function driverRow(over: Partial<DriverRow> = {}): DriverRow {
  return {
    id: randomUUID(),
    user_id: randomUUID(),
    display_name: 'Grace',
    license_number: 'LIC-OWN-1',
    vehicle_make: 'Toyota',
    vehicle_model: 'Prius',
    vehicle_plate: 'AB123',
    vehicle_class: 'comfort',
    vehicle_seats: 4,
    status: 'offline',
    rating_avg: null,
    rating_count: 0,
    cancellation_count: 0,
    current_ride_id: null,
    status_version: '0',
    created_at: new Date('2026-01-02T03:04:05.000Z'),
    updated_at: new Date('2026-01-02T03:04:05.000Z'),
    ...over,
  };
}
