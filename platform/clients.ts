/**
 * Store clients, created once per process and shared by every handler in it (a Knative
 * pod runs one function; `npm start` runs them all in one process and shares the pools).
 */
import knexFactory, { type Knex } from 'knex';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { config } from './config.js';
import { PreparedStatementsPgClient } from './pg-client.js';

let knexInstance: Knex | undefined;
let redisInstance: Redis | undefined;
let mongoInstance: MongoClient | undefined;

export function db(): Knex {
  knexInstance ??= knexFactory({
    client: config().PG_PREPARED_STATEMENTS ? PreparedStatementsPgClient : 'pg',
    connection: config().DATABASE_URL,
    pool: { min: 0, max: config().PG_POOL_MAX, idleTimeoutMillis: 10_000 },
    acquireConnectionTimeout: 5_000,
  });
  return knexInstance;
}

/** A service's PostgreSQL schema name, with the per-run test prefix. */
export function schemaName(service: string): string {
  return `${config().PG_SCHEMA_PREFIX}${service}`;
}

export function redis(): Redis {
  if (redisInstance) return redisInstance;
  redisInstance = new Redis(config().REDIS_URL, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    // Surface "Redis is down" quickly instead of queueing requests for ever.
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Commands issued in the same tick by concurrent handlers go out in one write: a socket
    // write was the largest single CPU cost of a busy process (about 7 % for Redis alone).
    enableAutoPipelining: true,
  });
  // Errors are reported through failed commands and readiness; without a listener
  // ioredis would print every reconnect attempt as an unhandled error.
  redisInstance.on('error', () => undefined);
  return redisInstance;
}

/** Redis key with the process-wide prefix: every key the platform writes goes through here. */
export function rkey(...parts: (string | number)[]): string {
  return config().REDIS_PREFIX + parts.join(':');
}

export function mongoClient(): MongoClient {
  mongoInstance ??= new MongoClient(config().MONGO_URL, {
    serverSelectionTimeoutMS: 3_000,
    maxPoolSize: 20,
  });
  return mongoInstance;
}

/** Whether this process has opened MongoDB at all (cleanup skips it otherwise). */
export const mongoInUse = () => mongoInstance !== undefined;

export function mongo(): Db {
  return mongoClient().db(config().MONGO_DB);
}

/** Closes every client this process opened; safe to call more than once. */
export async function closeClients(): Promise<void> {
  const tasks: Promise<unknown>[] = [];
  if (knexInstance) tasks.push(knexInstance.destroy());
  if (redisInstance) tasks.push(redisInstance.quit().catch(() => redisInstance?.disconnect()));
  if (mongoInstance) tasks.push(mongoInstance.close());
  knexInstance = undefined;
  redisInstance = undefined;
  mongoInstance = undefined;
  await Promise.allSettled(tasks);
}
