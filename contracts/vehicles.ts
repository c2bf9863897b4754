/**
 * The classes of vehicle: what a driver registers, what a rider asks a quote for, what a
 * ride and its events carry, and what the live index keeps one geo set per. The one list;
 * every schema and type takes it from here. (A migration keeps its own literal list: it
 * records the table as it was created, and a new class needs a new migration anyway.)
 */
import { z } from 'zod';

export const vehicleClasses = ['economy', 'comfort', 'xl'] as const;
export type VehicleClass = (typeof vehicleClasses)[number];

/** The zod schema of a vehicle class (request bodies, responses, event data). */
export const vehicleClass = z.enum(vehicleClasses);
