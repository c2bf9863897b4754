/**
 * The stores' own work counters, read before and after a window: PostgreSQL transactions
 * (pg_stat_database, this database; the platform runs nearly every statement on its own, so
 * this is close to its round trips) and Redis commands processed (INFO stats; the commands a Lua script runs count one by one). Both count
 * whatever else uses the server meanwhile; a benchmark runs alone. PostgreSQL flushes a
 * busy backend's counts about once a second, so a 10 s window is off by a few per cent.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { config } from '../platform/config.js';

export interface StoreCounts {
  pgTransactions: number;
  redisCommands: number;
}

export async function readStoreCounters(): Promise<StoreCounts> {
  const db = new pg.Client({ connectionString: config().DATABASE_URL });
  const redis = new Redis(config().REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await db.connect();
    const { rows } = await db.query<{ n: string }>('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()');
    await redis.connect();
    const info = await redis.info('stats');
    const commands = /total_commands_processed:(\d+)/.exec(info)?.[1];
    if (!rows[0] || commands === undefined) throw new Error('PostgreSQL or Redis did not report its counters');
    return { pgTransactions: Number(rows[0].n), redisCommands: Number(commands) };
  } finally {
    await db.end().catch(() => undefined);
    redis.disconnect();
  }
}

/** Per-unit differences; the reading's own statement and command (one each) are taken off. */
export function countsPer(a: StoreCounts, b: StoreCounts, per: number): StoreCounts {
  return {
    pgTransactions: per > 0 ? (b.pgTransactions - a.pgTransactions - 1) / per : 0,
    redisCommands: per > 0 ? (b.redisCommands - a.redisCommands - 1) / per : 0,
  };
}
