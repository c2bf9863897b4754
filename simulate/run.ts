/**
 * One simulation run: set up the city's people against the API (a few at a time: each
 * sign-up costs the platform a password hash), let them live for `minutes`, let the rides
 * under way finish for up to `drainSeconds`, call off the rest, take everyone offline and
 * summarise. It sends traffic only to `api` and `ws`.
 */
import { apiClient } from './api.js';
import { simClock } from './clock.js';
import { Curbside } from './curbside.js';
import { Driver } from './driver.js';
import type { Options } from './options.js';
import { driverProfile, riderProfile } from './population.js';
import { seededRng } from './prng.js';
import { newRunId, Rider } from './rider.js';
import { Stats } from './stats.js';
import { statusLine, statusWriter } from './status.js';
import { summarise, type Summary } from './summary.js';
import { sleep, type World } from './world.js';

/** Runs `work` over `items`, at most `limit` at once; the first failure stops the rest and is thrown. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, progress: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  let failed: unknown;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && failed === undefined) {
        const item = items[next++]!;
        try {
          await work(item);
        } catch (err) {
          failed ??= err;
        }
        progress(++done);
      }
    }),
  );
  if (failed !== undefined) throw failed;
}

export interface RunIo {
  /** Where the status line goes (stderr in the CLI). */
  status: { isTTY?: boolean; write(s: string): boolean };
}

export async function simulate(o: Options, io: RunIo): Promise<Summary> {
  const stats = new Stats();
  const status = statusWriter(io.status);
  const root = seededRng(o.seed);
  const t0 = performance.now();
  // The clock starts once everyone is ready; until then it is only needed for its speed.
  const world: World = {
    api: apiClient(o.api, stats),
    wsUrl: o.ws,
    clock: simClock(o.startHour, o.speed),
    stats,
    curbside: new Curbside(),
    pingSeconds: o.pingSeconds,
    stopping: false,
    runId: newRunId(),
  };
  const drivers = Array.from({ length: o.drivers }, (_, i) => new Driver(world, driverProfile(o.seed, i), root.fork(`driver-life/${i}`)));
  const riders = Array.from({ length: o.riders }, (_, i) => new Rider(world, riderProfile(o.seed, i), root.fork(`rider-life/${i}`)));
  const total = drivers.length + riders.length;
  const stopAll = async () => {
    for (const d of drivers) d.park();
    await pool(drivers, o.setupConcurrency, (d) => d.stop().catch(() => undefined), () => undefined);
    for (const r of riders) r.stop();
  };

  try {
    const [first, ...others]: (Driver | Rider)[] = [...drivers, ...riders];
    const note = (n: number) => status.note(`setting up: ${n}/${total} drivers and riders${n === total ? ' done' : ''}`);
    // The first person tells whether this seed's accounts exist from an earlier run.
    const known = (await first!.setUp()) === 'existed';
    note(1);
    await pool(others, o.setupConcurrency, (p) => p.setUp(known).then(() => undefined), (n) => note(n + 1));
  } catch (err) {
    status.stop();
    await stopAll();
    throw err;
  }
  const setupSeconds = (performance.now() - t0) / 1000;

  world.clock = simClock(o.startHour, o.speed);
  const from = world.clock.label();
  const started = performance.now();
  for (const d of drivers) d.start();
  for (const r of riders) r.start();
  status.run(() => statusLine(world.clock, stats, started));

  await sleep(o.minutes * 60_000);
  const realSeconds = (performance.now() - started) / 1000;
  const to = world.clock.label();

  // Wind down: no new requests; rides under way may finish, then the rest are called off.
  world.stopping = true;
  const ridersDone = Promise.all(riders.map((r) => r.done()));
  await Promise.race([ridersDone, sleep(o.drainSeconds * 1000)]);
  // A few at a time: a city's worth of last steps at once is a burst no real city makes.
  await pool([...riders, ...drivers], o.setupConcurrency, (p) => p.finish().catch((err: Error) => stats.error(`finishing: ${err.message}`)), () => undefined);
  // Pushes of those last steps settle the riders; a missed one is read within 30 s.
  await Promise.race([ridersDone, sleep(45_000)]);
  status.stop();
  await stopAll();

  return summarise(stats, { seed: o.seed, drivers: o.drivers, riders: o.riders, speed: o.speed, setupSeconds, realSeconds, from, to });
}
