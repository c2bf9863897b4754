/**
 * `npx tsx scripts/partition-timeline.ts`: on FerretDB (trim mode), moves tracking's
 * unpartitioned `timeline` into its per-ride shards `timeline.<shard>` and drops it
 * (functions/tracking/store.ts, moveLegacyTimeline). Until then every timeline read also
 * scans the old collection. MONGO_URL / MONGO_DB as for the service; safe to run twice.
 */
import { closeClients } from '../platform/clients.js';
import { moveLegacyTimeline } from '../functions/tracking/store.js';

try {
  const moved = await moveLegacyTimeline();
  process.stdout.write(`timeline: ${moved} events moved into the partitions\n`);
} finally {
  await closeClients();
}
