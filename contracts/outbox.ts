/**
 * Services that write events through a transactional outbox (functions/<service>/migrations.ts
 * append outboxMigration): the always-on outbox relay drains each of their schemas.
 */
import type { Service } from './catalog-types.js';

export const OUTBOX_SERVICES = ['accounts', 'drivers', 'rides', 'payments'] as const satisfies readonly Service[];
