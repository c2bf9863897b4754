/**
 * Cold start of a function bundle as Knative starts it: `node dist/functions/<fn>.mjs`
 * (NODE_OPTIONS=--enable-source-maps, PORT, env from the Secret/ConfigMap), measured from
 * process spawn to the first 200 from /health/readiness, and to the first real response
 * after that. Median of 10 fresh processes per bundle.
 *
 *   npm run bench -- coldstart
 *
 * Bundles: accounts-jwks (no store), accounts-login (PostgreSQL + Redis: readiness checks
 * both; the real request is a login with an unknown email → 401, a PostgreSQL query and
 * a Redis rate-limit count). The bundles are built first (esbuild, as `npm run build`)
 * into a scratch directory; migrations run once with the migrate bundle.
 * Targets: < 150 ms to ready, every bundle < 1 MiB.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { build, BUDGET_BYTES } from '../scripts/build.js';
import { startBundle, http } from '../scripts/deploy/spawn-bundle.js';
import { generateKeyPairPem } from '../platform/auth/keys.js';
import { median, percentile, type BenchResult } from './lib.js';

const RUNS = Number(process.env.COLDSTART_RUNS ?? 10);

export default async function coldstart(): Promise<BenchResult[]> {
  const out = mkdtempSync(join(tmpdir(), 'microride-coldstart-'));
  try {
    const bundles = await build({ outdir: out, only: ['accounts-jwks', 'accounts-login'], notifier: false });
    const keys = generateKeyPairPem();
    const prefix = `cs${randomBytes(3).toString('hex')}_`;
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      PG_SCHEMA_PREFIX: prefix,
      REDIS_PREFIX: `${prefix}:`,
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
      SCRYPT_LOG_N: '10',
    };
    execFileSync(process.execPath, [join(out, 'system/migrate.mjs')], { env: { ...process.env, ...env }, stdio: 'ignore' });

    // Baseline on the same machine at the same moment: a bare node:http server (no bundle).
    const bare = join(out, 'bare.mjs');
    writeFileSync(bare, "import { createServer } from 'node:http';\ncreateServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end('{}'); }).listen(Number(process.env.PORT));\n");
    const baseline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await startBundle(bare, {});
      baseline.push(s.readyMs);
      await s.stop();
    }
    const load = loadavg()[0]!.toFixed(1);
    process.stderr.write(`  baseline (bare node:http): ready median ${median(baseline).toFixed(1)} ms; load average ${load}\n`);

    const cases = [
      { name: 'accounts-jwks', request: { path: '/.well-known/jwks.json', method: 'GET', expect: 200 } },
      {
        name: 'accounts-login',
        request: { path: '/api/v1/auth/login', method: 'POST', expect: 401, body: JSON.stringify({ email: 'nobody@example.com', password: 'not the password' }) },
      },
    ];
    const results: BenchResult[] = [];
    for (const c of cases) {
      const file = join(out, 'functions', `${c.name}.mjs`);
      const ready: number[] = [];
      const firstResponse: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = await startBundle(file, env);
        const t = performance.now();
        const r = await http(`${started.url}${c.request.path}`, {
          method: c.request.method,
          body: c.request.body,
          headers: c.request.body ? { 'content-type': 'application/json' } : {},
        });
        const total = started.readyMs + (performance.now() - t);
        await started.stop();
        if (r.status !== c.request.expect) throw new Error(`${c.name}: ${c.request.method} ${c.request.path} → ${r.status} (want ${c.request.expect}): ${r.body}`);
        ready.push(started.readyMs);
        firstResponse.push(total);
      }
      const size = bundles.find((b) => b.name === c.name)!;
      const round = (n: number) => Math.round(n * 10) / 10;
      results.push({
        name: `coldstart-${c.name}`,
        figures: {
          readyMedianMs: round(median(ready)),
          readyP90Ms: round(percentile(ready, 90)),
          firstResponseMedianMs: round(median(firstResponse)),
          bundleKiB: round(size.bytes / 1024),
          bareNodeHttpReadyMedianMs: round(median(baseline)),
          loadAverage1m: Number(load),
          runs: RUNS,
        },
        targets: { readyMedianMs: '< 150', bundleKiB: `< ${BUDGET_BYTES / 1024}` },
        notes: `node ${process.version} ${file.replace(out, 'dist')}, NODE_OPTIONS=--enable-source-maps; ready = spawn → first 200 /health/readiness (polled every 2 ms); first response = spawn → ${c.request.method} ${c.request.path} answered (${c.request.expect}). Stores local (PostgreSQL, Redis). bareNodeHttpReadyMedianMs: a bare node:http server measured the same way just before, for the machine's state (2 shared cores; load average ${load}).`,
      });
      process.stderr.write(`  ${c.name}: ready median ${round(median(ready))} ms, first response median ${round(median(firstResponse))} ms (${RUNS} runs)\n`);
    }
    return results;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
