/**
 * Child process of bench/rides.bench.ts: the platform with its event plumbing (gateway,
 * functions, broker, outbox relays, ticker) and one extra Trigger per type the load
 * generator observes (BENCH_OBSERVE_TYPES → BENCH_OBSERVER_URL), standing in for the
 * notifier's delivery to the apps. Prints its URL; SIGTERM stops it and removes its
 * schemas, keys and queues.
 */
import { startEventStack } from '../test/helpers/event-stack.js';
import { cleanupStores as cleanup } from '../test/helpers/cleanup.js';
import { closeClients } from '../functions/runtime/clients.js';

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
