/**
 * A MongoDB function's bundle: the driver's load-time work that only authentication needs
 * is deferred (saslprep's Unicode tables), the bundle stays within the size target, and it
 * still starts and reaches MongoDB as Knative starts it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, bundleInputs, BUDGET_BYTES, type BundleInfo } from '../../scripts/build.js';
import { http, startBundle } from '../../scripts/deploy/spawn-bundle.js';

describe('a MongoDB function bundle', () => {
  let out: string;
  let bundle: BundleInfo;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'microride-mongo-bundle-'));
    [bundle] = await build({ outdir: out, only: ['tracking-track'], notifier: false, jobs: false });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('defers saslprep behind a wrapper instead of decoding its tables at load', () => {
    const inputs = bundleInputs.get(bundle.file) ?? [];
    expect(inputs.filter((i) => i.startsWith('microride-lazy-saslprep:'))).toHaveLength(1);
    // The real module is still bundled, for SCRAM-SHA-256 authentication.
    expect(inputs.some((i) => /node_modules\/@mongodb-js\/saslprep\/dist\/node\.js$/.test(i))).toBe(true);
  });

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
