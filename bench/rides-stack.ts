/**
 * Child process of bench/rides.bench.ts: the platform with its event plumbing (gateway,
 * functions, broker, outbox relays, ticker) and one extra Trigger per type the load
 * generator observes (BENCH_OBSERVE_TYPES → BENCH_OBSERVER_URL), standing in for the
 * notifier's delivery to the apps. Prints its URL; SIGTERM stops it and removes its
 * schemas, keys and queues.
 */
import { startEventStack } from '../test/helpers/event-stack.js';
import { dropSchema } from '../functions/runtime/migrate.js';
import { serviceMigrations } from '../functions/migrations.js';
import { closeClients, mongo, redis } from '../functions/runtime/clients.js';
import { config } from '../functions/runtime/config.js';

/** Everything this run made: its schemas, its Redis keys, its MongoDB database (names are per run). */
async function cleanup(): Promise<void> {
  for (const service of Object.keys(serviceMigrations)) await dropSchema(service);
  const prefix = config().REDIS_PREFIX;
  if (!prefix.startsWith('bench')) return; // never sweep a shared namespace
  let cursor = '0';
  do {
    const [next, keys] = await redis().scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis().unlink(...keys);
  } while (cursor !== '0');
  await mongo().dropDatabase();
}

const observer = process.env.BENCH_OBSERVER_URL;
const types = (process.env.BENCH_OBSERVE_TYPES ?? '').split(',').filter(Boolean);

const stack = await startEventStack({
  port: 0,
  tickScale: Number(process.env.BENCH_TICK_SCALE ?? 1),
  extraTriggers: observer ? types.map((type, i) => ({ name: `bench-observer-${i}`, filter: { type }, url: observer, parallelism: 64 })) : [],
});
process.stdout.write(`rides stack up: ${stack.url}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void stack
    .close()
    .then(cleanup)
    .then(closeClients)
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
