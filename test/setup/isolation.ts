/**
 * Runs in every test worker before its test file is loaded: gives the worker a unique
 * namespace in every shared service so parallel runs (and a second run) never collide.
 * The runtime reads these variables lazily, so setting them here is enough.
 */
import { randomBytes } from 'node:crypto';

const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
process.env.MICRORIDE_TEST_ID = id;
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';
process.env.PG_SCHEMA_PREFIX = `${id}_`;
process.env.REDIS_PREFIX = `${id}:`;
process.env.MONGO_DB = `${id}`;
process.env.BROKER_PREFIX = `${id}.`;
// Tests log in hundreds of times; production's deliberate 2^15 scrypt cost would only
// measure the CPU. The algorithm and format are the same at 2^12.
process.env.SCRYPT_LOG_N ??= '12';
// Limits a client meets in production would get in the way of tests that sign up dozens of
// users from one address, quote in loops and move drivers many times a second; the tests of
// the limits themselves (test/security/limits.red-team.test.ts) provide the real values.
process.env.REGISTER_RATE_LIMIT ??= '100000';
process.env.QUOTE_RATE_LIMIT ??= '100000';
process.env.LOCATION_MIN_INTERVAL_MS ??= '0';
