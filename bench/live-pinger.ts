/**
 * Child process of bench/live-position.bench.ts: the location ping path itself
 * (functions/tracking/location.ts `handle` with its real stores: the rate-limit check, the
 * live index, the ride trace, MongoDB's sample and, for a driver on a ride, the live
 * position), without HTTP and auth in front, so its CPU per ping is the path's own.
 * Driven over IPC:
 *   {cmd:'seed', rides:[…]}  → the rides' `requested` and `accepted` applied to tracking's ride state
 *   {cmd:'run', drivers:[…], seconds} → each driver pings once a second (staggered) → what happened
 *   {cmd:'close'} → removes its keys and database, exits
 * Times are process.hrtime (CLOCK_MONOTONIC: one clock for every process on the machine).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { handle } from '../functions/tracking/location.js';
import { applyToRideState } from '../functions/tracking/ride-state.js';
import { cleanupStores } from '../local/run-cleanup.js';
import { closeClients } from '../platform/clients.js';
import { HttpProblem } from '../platform/problem.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const point = z.object({ lat: z.number(), lon: z.number() });

const ride = z.object({ rideId: z.string(), riderId: z.string(), driverId: z.string(), pickup: point, dropoff: point });
const driver = z.object({ driverId: z.string(), from: point, to: point });

const command = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('seed'), rides: z.array(ride) }),
  z.object({ cmd: z.literal('run'), drivers: z.array(driver), seconds: z.number() }),
  z.object({ cmd: z.literal('close') }),
]);

const reply = (msg: unknown) => process.send?.(msg);

async function seed(rides: z.infer<typeof ride>[]) {
  const at = new Date();
  for (let i = 0; i < rides.length; i += 100) {
    await Promise.all(
      rides.slice(i, i + 100).flatMap((r) => [
        applyToRideState({ eventKey: `bench ${randomUUID()}`, rideId: r.rideId, riderId: r.riderId, rank: 10, at, pickup: r.pickup, dropoff: r.dropoff }),
        applyToRideState({ eventKey: `bench ${randomUUID()}`, rideId: r.rideId, riderId: r.riderId, driverId: r.driverId, rank: 30, at, acceptedAt: at }),
      ]),
    );
  }
  return { seeded: rides.length };
}

/** [rideId or '', receivedAt ISO, monotonic ms just before the handler, handler ms] */
type Ping = [string, string, number, number];

async function run(drivers: z.infer<typeof driver>[], seconds: number) {
  const pings: Ping[] = [];
  let refused = 0;
  let failed = 0;
  const n = drivers.length;
  const total = n * seconds;
  const inflight: Promise<void>[] = [];
  const cpu0 = process.cpuUsage();
  const start = now();
  let i = 0;
  // Paced by the clock: driver k pings at start + s × 1000 + k × 1000 / n.
  while (i < total) {
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * n));
    for (; i < due; i++) {
      const d = drivers[i % n]!;
      const s = Math.floor(i / n);
      const f = Math.min(1, s / Math.max(1, seconds)); // drives from `from` towards `to`
      const lat = d.from.lat + (d.to.lat - d.from.lat) * f;
      const lon = d.from.lon + (d.to.lon - d.from.lon) * f;
      const t0 = now();
      inflight.push(
        handle({ driverId: d.driverId, lat, lon, heading: 180, speedKmh: 30 }).then(
          (r) => void pings.push([r.rideId ?? '', r.receivedAt, t0, now() - t0]),
          (err: unknown) => void (err instanceof HttpProblem && err.status === 429 ? (refused += 1) : (failed += 1)),
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const elapsed = now() - start;
  const c = process.cpuUsage(cpu0);
  return { pings, refused, failed, cpuMs: (c.user + c.system) / 1000, elapsedMs: elapsed };
}

process.on('message', (raw) => {
  const msg = command.parse(raw);
  if (msg.cmd === 'seed') seed(msg.rides).then(reply, (err: unknown) => reply({ error: String(err) }));
  else if (msg.cmd === 'run') run(msg.drivers, msg.seconds).then(reply, (err: unknown) => reply({ error: String(err) }));
  else
    void cleanupStores()
      .then(closeClients)
      .finally(() => process.exit(0));
});
reply({ ready: true });
