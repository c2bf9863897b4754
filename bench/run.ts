/**
 * `npm run bench [name…]`: runs each bench/<name>.bench.ts (all of them by default),
 * prints one table and writes bench/results/<name>.json per result.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machine, writeResult, type Bench, type BenchResult } from './lib.js';

const args = process.argv.slice(2);
// --quick: the CI-sized variant of the benchmarks that have one (BENCH_QUICK=1 says the same).
if (args.includes('--quick')) process.env.BENCH_QUICK = '1';
const wanted = args.filter((a) => !a.startsWith('--'));
const rank = (file: string) => (file === 'floor.bench.ts' ? 1 : 0);
const dir = join(process.cwd(), 'bench');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.ts', '')))
  // Named ones run in the order named (`rides floor` prices the rides run just made); all of
  // them: alphabetically, but floor last, for the same reason.
  .sort((a, b) => (wanted.length === 0 ? rank(a) - rank(b) || a.localeCompare(b) : wanted.indexOf(a.replace('.bench.ts', '')) - wanted.indexOf(b.replace('.bench.ts', ''))));

if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}; have: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')}\n`);
  process.exit(2);
}

// Said first, because these figures only compare between machines that agree on it.
const m = machine();
process.stderr.write(`machine: ${m.cpus} × ${m.cpuModel}, kernel ${m.kernel}, node ${m.node}; a system call (getppid) costs ${m.syscallMicros} µs, a page fault ${m.pageFaultMicros} µs\n`);

const rows: BenchResult[] = [];
for (const file of files) {
  const name = file.replace('.bench.ts', '');
  process.stderr.write(`\n▶ ${name}\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: Bench };
  const out = await mod.default();
  for (const r of Array.isArray(out) ? out : [out]) {
    const path = writeResult(r, `npm run bench -- ${name}${process.env.BENCH_QUICK === '1' ? ' --quick' : ''}`);
    process.stderr.write(`  wrote ${path}\n`);
    rows.push(r);
  }
}

process.stdout.write('\n| benchmark | figure | value | target |\n|---|---|---|---|\n');
for (const r of rows) {
  for (const [k, v] of Object.entries(r.figures)) {
    process.stdout.write(`| ${r.name} | ${k} | ${v} | ${r.targets?.[k] ?? ''} |\n`);
  }
}
process.exit(0);
