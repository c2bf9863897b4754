/**
 * Child process of bench/scale.bench.ts: runs one part of the scale family with the
 * settings its parent put in the environment (the reused benchmarks read theirs when
 * loaded, so each size that changes them gets a process of its own) and writes what it
 * measured as JSON to SCALE_OUT. Nothing here writes bench/results: the family's one
 * result is the parent's.
 *   matching   SCALE_SIZES (online drivers), SCALE_NEARBY (of them within the first radius), SCALE_READS (requests per size)
 *   history    SCALE_SIZES (rows, ascending), SCALE_READS (reads per page and size)
 *   bench:<n>  the default export of bench/<n>.bench.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeClients } from '../platform/clients.js';
import type { Bench } from './lib.js';

const part = process.argv[2] ?? '';
const sizes = (process.env.SCALE_SIZES ?? '').split(',').filter(Boolean).map(Number);
const reads = Number(process.env.SCALE_READS ?? 200);
const log = (line: string) => process.stderr.write(`  ${line}\n`);

async function run(): Promise<unknown> {
  if (part === 'matching') {
    const { matchingAt } = await import('./scale-matching.js');
    const out = [];
    const nearby = (process.env.SCALE_NEARBY ?? '').split(',').map(Number);
    for (const [i, drivers] of sizes.entries()) {
      const p = await matchingAt(drivers, nearby[i] ?? Math.round(drivers / 100), reads);
      log(`matching with ${drivers.toLocaleString('en')} online drivers (${p.nearby} within the first radius): p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms (seeded in ${p.seedSeconds} s)`);
      out.push(p);
    }
    await closeClients();
    return out;
  }
  if (part === 'history') {
    const { historyCurve } = await import('./scale-history.js');
    return historyCurve(sizes, reads, log);
  }
  if (part.startsWith('bench:')) {
    const mod = (await import(pathToFileURL(join(process.cwd(), 'bench', `${part.slice(6)}.bench.ts`)).href)) as { default: Bench };
    return mod.default();
  }
  throw new Error(`unknown scale part ${part}`);
}

writeFileSync(process.env.SCALE_OUT!, JSON.stringify(await run()));
process.exit(0);
