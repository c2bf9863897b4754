/**
 * How a function bundle loads its store drivers (scripts/build.ts): each driver is a file of
 * its own (dist/lazy/<store>.cjs), read and evaluated at its first use rather than at
 * load; saslprep's Unicode tables at the first SCRAM-SHA-256 login; the stand-ins behave as
 * the drivers do; a MongoDB bundle stays within the size target and still starts and
 * reaches MongoDB as Knative starts it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import { banner, build, buildLazyModules, bundleInputs, BUDGET_BYTES, entryPlugin, externals, packagesOf, type BundleInfo } from '../../scripts/build.js';
import { root } from '../../scripts/deploy/model.js';
import { http, startBundle } from '../../scripts/deploy/spawn-bundle.js';

describe('a MongoDB function bundle', () => {
  let out: string;
  let bundle: BundleInfo;
  let driver: BundleInfo;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'microride-mongo-bundle-'));
    const built = await build({ outdir: out, only: ['tracking-track'], notifier: false, jobs: false });
    bundle = built.find((b) => b.name === 'tracking-track')!;
    driver = built.find((b) => b.kind === 'lazy' && b.name === 'mongo')!;
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('defers saslprep behind a wrapper instead of decoding its tables at load', () => {
    const inputs = bundleInputs.get(driver.file) ?? [];
    expect(inputs.filter((i) => i.startsWith('microride-lazy-saslprep:'))).toHaveLength(1);
    // The real module is still bundled, for SCRAM-SHA-256 authentication.
    expect(inputs.some((i) => /node_modules\/@mongodb-js\/saslprep\/dist\/node\.js$/.test(i))).toBe(true);
  });

  it('loads the MongoDB driver from its own file at its first use, not at load', () => {
    const inputs = bundleInputs.get(bundle.file) ?? [];
    expect(inputs).toContain('microride-lazy-driver:mongodb');
    expect(['mongodb', 'bson'].filter((p) => packagesOf(inputs).has(p)), 'driver packages in the function bundle').toEqual([]);
    expect(packagesOf(bundleInputs.get(driver.file) ?? []).has('mongodb')).toBe(true);
    expect(readFileSync(join(root, bundle.file), 'utf8')).toContain('"../lazy/mongo.cjs"');
  });

  it('the lazy stand-ins construct the real clients and recognise the real errors', async () => {
    await buildLazyModules(out, ['mongo', 'redis', 'postgres', 'cloudevents']);
    // The stand-ins (imported by bare name, and platform/clients.ts's for PostgreSQL)
    // against what the driver files export.
    const entry = [
      "import { createRequire } from 'node:module';",
      "import { MongoClient, MongoBulkWriteError } from 'mongodb';",
      "import { Redis } from 'ioredis';",
      "import { CloudEvent, HTTP } from 'cloudevents';",
      `import { db, closeClients } from ${JSON.stringify(join(root, 'platform/clients.ts'))};`,
      "const load = createRequire(import.meta.url), dir = './lazy/';",
      "const m = load(dir + 'mongo.cjs'), r = load(dir + 'redis.cjs'), pg = load(dir + 'postgres.cjs'), ce = load(dir + 'cloudevents.cjs');",
      "const event = new CloudEvent({ id: 'e1', source: '/t', type: 't.x', data: { n: 1 } });",
      "const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true });",
      'const bulk = new m.MongoBulkWriteError({ message: "x", code: 11000 }, { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, insertedIds: {}, upsertedIds: {} });',
      'console.log(JSON.stringify({',
      "  client: new MongoClient('mongodb://127.0.0.1:1') instanceof m.MongoClient,",
      '  redis: redis instanceof r.Redis,',
      '  bulk: bulk instanceof MongoBulkWriteError,',
      '  other: new Error() instanceof MongoBulkWriteError,',
      '  knex: typeof db().raw === "function",',
      '  prepared: db().client instanceof pg.PreparedStatementsPgClient,',
      '  event: event instanceof ce.CloudEvent && event instanceof CloudEvent && !({}  instanceof CloudEvent),',
      "  binary: HTTP.binary(event).headers['ce-id'] === 'e1' && HTTP.toEvent(HTTP.binary(event)).id === 'e1',",
      "  clone: CloudEvent.cloneWith(event, { id: 'e2' }).id === 'e2',",
      '}));',
      'redis.disconnect();',
      'await closeClients();',
    ].join('\n');
    const outfile = join(out, 'lazy-drivers.mjs');
    await esbuild.build({
      entryPoints: ['microride-entry'], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', banner: { js: banner },
      external: externals, mainFields: ['module', 'main'], logLevel: 'error', absWorkingDir: root,
      plugins: [entryPlugin(entry, ['mongo', 'redis', 'postgres'], 'lazy driver check', { lazyDir: './lazy' })],
    });
    const printed = execFileSync(process.execPath, [outfile], { encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(printed)).toEqual({ client: true, redis: true, bulk: true, other: false, knex: true, prepared: true, event: true, binary: true, clone: true });
  }, 60_000);

  it('stays within the bundle size target', () => {
    expect(bundle.bytes, `${bundle.file} is ${Math.round(bundle.bytes / 1024)} KiB`).toBeLessThan(BUDGET_BYTES);
  });

  it('is live before it touches MongoDB, and ready once MongoDB answers', async () => {
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
      MONGO_DB: `mb_${randomUUID().slice(0, 8)}`,
    };
    const fn = await startBundle(join(out, 'functions/tracking-track.mjs'), env, { readyPath: '/health/liveness' });
    try {
      const r = await http(`${fn.url}/health/readiness`);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'ready', checks: { mongo: 'ok' } });
    } finally {
      expect(await fn.stop()).toBe(0);
    }
  }, 60_000);
});
