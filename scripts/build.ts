/**
 * `npm run build`: one small ESM bundle per catalog function and per workload (the
 * notifier, the migration job, the tick relay), tree-shaken and minified by esbuild, with
 * source maps.
 *
 *   dist/functions/<name>.mjs (+ .map)   one per entry of contracts/catalog.ts
 *   dist/<bundle>.mjs (+ .map)           one per entry of contracts/workloads.ts, from its
 *                                        `entry` module, holding only its `stores`' drivers:
 *     dist/notifier.mjs                  notifier/main.ts
 *     dist/system/migrate.mjs            functions/migrate-job.ts: applies every service's
 *                                        migrations, then exits (a Job; `npm run migrate`)
 *     dist/system/tick-relay.mjs         platform/tick-relay.ts: PingSource pings → tick events
 *   dist/system/admin.mjs                functions/accounts/admin-cli.ts: creates an admin account
 *                                        (not deployed; a one-off Job, functions/accounts/README.md)
 *   dist/lazy/<name>.cjs (+ .map)        the store drivers (postgres: knex + pg, redis, mongo)
 *                                        and the CloudEvents SDK (cloudevents), one CommonJS
 *                                        file each, which the bundles load at their first use
 *                                        (`lazyModules`)
 *
 * The container image holds all of them; a Knative Service picks its bundle with `args`
 * (see knative/ and charts/microride). Each generated entry validates the environment,
 * imports its function's module and serves it on PORT (platform/main.ts).
 *
 * Options: --only a,b   build only these functions (names from the catalog)
 *          --outdir DIR (default dist)      --no-notifier   --no-system
 *          --json       print the size table as JSON instead of text
 *          --analyze    print the biggest packages in each bundle
 * Target: every bundle < 1 MiB (MICRORIDE_BUNDLE_BUDGET); a bundle over the target is marked in
 * the table and warned about; one over MICRORIDE_BUNDLE_LIMIT (default 2 MiB) fails the build.
 * A function's bundle holds no store driver, only stand-ins for those its catalog entry
 * declares, which load the driver's file at the first use (`lazyModules`; docs/performance.md);
 * a bundle that holds the driver of a store it does not declare fails the build.
 */
import { buildWeb } from '../functions/ops/build-web.js';
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { catalog, usesOutbox } from '../contracts/catalog.js';
import type { FunctionSpec, Store, Workload } from '../contracts/catalog-types.js';
import { workloads as allWorkloads } from '../contracts/workloads.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** DESIGN §9: uWebSockets.js is a native addon; ESM output needs a real `require`. */
export const banner = "import {createRequire as __mrCreateRequire} from 'node:module'; const require = __mrCreateRequire(import.meta.url);";

/**
 * Packages that must not be bundled: native addons and optional drivers that are
 * require()d lazily (knex's other dialects, pg-native, mongodb's optional extras).
 * None is installed or needed at run time; a code path that reached one would fail loudly.
 */
export const externals = [
  'uWebSockets.js',
  // knex dialect drivers we do not use (knex only require()s the configured one)
  'pg-native', 'pg-query-stream', 'mysql', 'mysql2', 'sqlite3', 'better-sqlite3', 'oracledb', 'tedious',
  // mongodb optional dependencies (loaded in try/catch)
  'kerberos', 'snappy', '@mongodb-js/zstd', 'mongodb-client-encryption', '@aws-sdk/credential-providers', 'gcp-metadata', 'socks', 'aws4',
  // pino transports run in worker threads from files; we log to stdout only
  'pino-pretty',
];

/** knex's dialects other than PostgreSQL, replaced by a stub that fails loudly if ever loaded. */
const unusedKnexDialects = ['better-sqlite3', 'cockroachdb', 'mssql', 'mysql', 'mariadb', 'mysql2', 'oracle', 'oracledb', 'pgnative', 'redshift', 'sqlite3'];

/**
 * Store client libraries a function does not declare in the catalog are replaced by a stub
 * (platform/clients.ts imports all three statically). Using an undeclared store
 * then fails at once with a message naming the catalog entry, instead of shipping a
 * megabyte of unused driver code in every bundle.
 */
const storePackages: Record<Store, { pkg: string; stub: string; drivers: readonly string[] }> = {
  mongo: {
    pkg: 'mongodb',
    stub: 'export class MongoClient { constructor() { throw new Error(MSG); } }',
    drivers: ['mongodb', 'bson'],
  },
  redis: {
    pkg: 'ioredis',
    stub: 'export class Redis { constructor() { throw new Error(MSG); } }',
    drivers: ['ioredis', '@ioredis/commands'],
  },
  postgres: {
    pkg: 'knex',
    stub: 'export default function knex() { throw new Error(MSG); }',
    drivers: ['knex', 'pg', 'pg-protocol'],
  },
};

/**
 * The stub only replaces what is imported by the names it knows; an import by another
 * path brings a driver back unnoticed (it happened: knex's PostgreSQL client by subpath).
 * So the build also reads what went in, and refuses a bundle holding an undeclared
 * store's driver.
 */
/** The npm package a bundle input comes from (`@scope/name` or `name`), if any. */
export function packageOf(input: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
}

/** The npm packages among a bundle's inputs. */
export function packagesOf(inputs: readonly string[]): Set<string> {
  return new Set(inputs.map(packageOf).filter((p): p is string => p !== undefined));
}

export function undeclaredDrivers(inputs: readonly string[], stores: readonly Store[] | 'all'): string[] {
  if (stores === 'all') return [];
  const held = packagesOf(inputs);
  return (Object.keys(storePackages) as Store[])
    .filter((s) => !stores.includes(s))
    .flatMap((s) => storePackages[s].drivers.filter((d) => held.has(d)).map((d) => `${d} (store "${s}")`));
}

export interface BundleInfo {
  name: string;
  kind: 'function' | 'notifier' | 'system' | 'lazy';
  file: string;
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
}

export interface BuildOptions {
  outdir?: string;
  only?: readonly string[];
  notifier?: boolean;
  jobs?: boolean;
  functions?: readonly FunctionSpec[];
  workloads?: readonly Workload[];
  log?: (line: string) => void;
  /** Evaluate the store drivers at load, as before the lazy stand-ins (for comparing; bench/coldstart). */
  eagerDrivers?: boolean;
}

export const BUDGET_BYTES = Number(process.env.MICRORIDE_BUNDLE_BUDGET ?? 1024 * 1024);
export const LIMIT_BYTES = Number(process.env.MICRORIDE_BUNDLE_LIMIT ?? 2 * 1024 * 1024);

const imp = (file: string) => JSON.stringify(join(root, file).split('\\').join('/'));

function functionEntry(spec: FunctionSpec): string {
  // Only those bundles import the outbox code: the others stay smaller and start faster.
  const outbox = usesOutbox(spec)
    ? `, { service: ${JSON.stringify(spec.service)}, outbox: await import(${imp('platform/events/outbox.ts')}) }`
    : '';
  return [
    `import { runFunction } from ${imp('platform/main.ts')};`,
    `await runFunction(${JSON.stringify(spec.name)}, () => import(${imp(`functions/${spec.module}.ts`)})${outbox});`,
    '',
  ].join('\n');
}

/** A workload's entry: import its module, and call its `run` export when it has one. */
export function workloadEntry(w: Pick<Workload, 'entry'>): string {
  const { module, run } = w.entry;
  return run ? `import { ${run} } from ${imp(`${module}.ts`)};\nawait ${run}();\n` : `import ${imp(`${module}.ts`)};\n`;
}

/** The admin-account command, in the image for a one-off Job: `node dist/system/admin.mjs create …`. */
export const ADMIN_TOOL = { bundle: 'system/admin', entry: { module: 'functions/accounts/admin-cli', run: 'runAdminCli' }, stores: ['postgres'] } as const satisfies Pick<Workload, 'bundle' | 'entry' | 'stores'>;

/** The size table's kind of a workload's bundle. */
const bundleKind = (w: Workload): BundleInfo['kind'] => (w.kind === 'notifier' ? 'notifier' : 'system');

export interface EntryOptions {
  /** Bundle the declared drivers and evaluate them at load, as before the lazy stand-ins (for comparing; bench/coldstart). */
  eagerDrivers?: boolean;
  /** Where the files of lazyModules (buildLazyModules) are, relative to the bundle being built: `../lazy`. */
  lazyDir?: string;
  /** Wrap the MongoDB driver's saslprep so its tables are decoded at the first use (default: unless eagerDrivers). */
  lazySaslprep?: boolean;
}

export function entryPlugin(contents: string, stores: readonly Store[] | 'all', label: string, opts: EntryOptions = {}): esbuild.Plugin {
  const { eagerDrivers = false, lazyDir = '../lazy', lazySaslprep = !eagerDrivers } = opts;
  const stubbed = stores === 'all' ? [] : (Object.keys(storePackages) as Store[]).filter((s) => !stores.includes(s));
  const declared = stores === 'all' ? (Object.keys(storePackages) as Store[]) : stores;
  return {
    name: 'microride-entry',
    setup(b) {
      b.onResolve({ filter: /^microride-entry$/ }, () => ({ path: 'entry', namespace: 'microride-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'microride-entry' }, () => ({ contents, loader: 'ts', resolveDir: root }));

      b.onResolve({ filter: /^\.\/[a-z0-9-]+$/ }, (args) => {
        const dialect = args.path.slice(2);
        if (!/knex[\\/]lib[\\/]dialects[\\/]index\.js$/.test(args.importer) || !unusedKnexDialects.includes(dialect)) return undefined;
        return { path: dialect, namespace: 'microride-knex-stub' };
      });
      b.onLoad({ filter: /.*/, namespace: 'microride-knex-stub' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`knex dialect "${args.path}" is not bundled (MicroRide uses PostgreSQL only; see scripts/build.ts)`)});`,
        loader: 'js',
      }));

      // zod's `z` namespace re-exports every locale (~200 KiB minified); only English is used.
      b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
        if (!/[\\/]zod[\\/]v4[\\/](?:classic|core|mini)[\\/]/.test(args.importer)) return undefined;
        return { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'microride-zod-locales' };
      });
      b.onLoad({ filter: /.*/, namespace: 'microride-zod-locales' }, (args) => ({
        contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));

      // mongodb-connection-string-url imports a WHATWG URL polyfill (whatwg-url + tr46's
      // Unicode tables, ~270 KiB); Node's own URL implements the same standard.
      b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'microride-whatwg-url' }));
      b.onLoad({ filter: /.*/, namespace: 'microride-whatwg-url' }, () => ({
        contents: 'export const URL = globalThis.URL;\nexport const URLSearchParams = globalThis.URLSearchParams;\n',
        loader: 'js',
      }));

      // The MongoDB driver imports saslprep at load, which decodes its Unicode tables there
      // and then; only SCRAM-SHA-256 authentication calls it. A wrapper defers that to the
      // first call (esbuild evaluates a bundled CommonJS module at its first require).
      b.onResolve({ filter: /^@mongodb-js\/saslprep$/ }, (args) => {
        if (!lazySaslprep || args.namespace === 'microride-lazy-saslprep' || !/[\\/]mongodb[\\/]lib[\\/]/.test(args.importer)) return undefined;
        return { path: args.importer, namespace: 'microride-lazy-saslprep' };
      });
      b.onLoad({ filter: /.*/, namespace: 'microride-lazy-saslprep' }, (args) => ({
        contents: "let real;\nexports.saslprep = (...a) => (real ??= require('@mongodb-js/saslprep')).saslprep(...a);\n",
        loader: 'js',
        resolveDir: dirname(args.path),
      }));

      for (const store of stubbed) {
        const { pkg, stub } = storePackages[store];
        // The package and its subpaths: runtime/pg-client.ts extends knex's PostgreSQL
        // client from `knex/lib/dialects/postgres`, which would bring knex, pg and lodash
        // back into a bundle that declares no PostgreSQL.
        const filter = new RegExp(`^${pkg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:/.*)?$`);
        b.onResolve({ filter }, () => ({ path: pkg, namespace: 'microride-store-stub' }));
        b.onLoad({ filter, namespace: 'microride-store-stub' }, () => ({
          contents: `const MSG = ${JSON.stringify(`${label} does not declare the "${store}" store in its entry (contracts/catalog.ts or contracts/workloads.ts), so ${pkg} is not in its bundle; add "${store}" to its stores`)};\n${stub}\n`,
          loader: 'js',
        }));
      }

      // A declared store's driver, and the CloudEvents SDK, are not in the bundle: each is a
      // file of its own (buildLazyModules), read, compiled and evaluated at its first use,
      // not at load. The process answers liveness sooner (less code to compile, nothing of
      // them to run) and pays for a driver with its first store call (readiness). Only what
      // our code takes from them at run time is forwarded.
      if (!eagerDrivers) {
        for (const [name, lazy] of Object.entries(lazyModules)) {
          if (lazy.store !== undefined && !declared.includes(lazy.store)) continue;
          for (const { filter, importer, path } of lazy.modules) {
            b.onResolve({ filter }, (args) => {
              if (args.namespace === 'microride-lazy-driver' || /node_modules/.test(args.importer) || !importer.test(args.importer)) return undefined;
              return { path, namespace: 'microride-lazy-driver', pluginData: name };
            });
          }
        }
        b.onLoad({ filter: /.*/, namespace: 'microride-lazy-driver' }, (args) => {
          const name = args.pluginData as string;
          const stand = lazyModules[name]!.modules.find((m) => m.path === args.path)!;
          const file = JSON.stringify(`${lazyDir}/${name}.cjs`);
          return { contents: `let real; const load = () => (real ??= require(${file}));\n${stand.contents}\n`, loader: 'js', resolveDir: root };
        });
        // The file is next to the bundles, loaded by the bundle's own require (banner).
        b.onResolve({ filter: /^\.\.?\/.*lazy\/[a-z]+\.cjs$/ }, (args) => (args.namespace === 'microride-lazy-driver' ? { path: args.path, external: true } : undefined));
      }
    },
  };
}

/**
 * Stand-ins for what platform/ and functions/ import from the store drivers and the
 * CloudEvents SDK; each loads the module's file (`load()`, buildLazyModules) when first
 * used. A name not listed here fails the build (esbuild: no matching export). `importer`
 * says whose import is replaced: type-only imports vanish in the build, and the files
 * themselves import the real packages. A driver's stand-in is used only in a bundle that
 * declares its `store` (the others get the stub that fails loudly).
 */
interface LazyModule {
  store?: Store;
  entry: string;
  modules: { filter: RegExp; importer: RegExp; path: string; contents: string }[];
}

export const lazyModules: Record<string, LazyModule> = {
  mongo: {
    store: 'mongo',
    entry: "export { MongoClient, MongoBulkWriteError } from 'mongodb';\n",
    modules: [{
      filter: /^mongodb$/,
      importer: /./,
      path: 'mongodb',
      contents: [
        'export class MongoClient { constructor(...a) { return new (load().MongoClient)(...a); } }',
        'export class MongoBulkWriteError { static [Symbol.hasInstance](x) { return x instanceof load().MongoBulkWriteError; } }',
      ].join('\n'),
    }],
  },
  redis: {
    store: 'redis',
    entry: "export { Redis } from 'ioredis';\n",
    modules: [{
      filter: /^ioredis$/,
      importer: /./,
      path: 'ioredis',
      contents: 'export class Redis { constructor(...a) { return new (load().Redis)(...a); } }',
    }],
  },
  // knex, pg and the prepared-statements client, which extends knex's PostgreSQL client
  // when its module is evaluated: both go into the driver file, and platform/clients.ts
  // gets stand-ins (knex only ever does `new client(config)` with the class it is given).
  postgres: {
    store: 'postgres',
    entry: `export { default as knex } from 'knex';\nexport { PreparedStatementsPgClient } from ${imp('platform/pg-client.ts')};\n`,
    modules: [
      {
        filter: /^knex$/,
        importer: /[\\/]platform[\\/]clients\.ts$/,
        path: 'knex',
        contents: 'export default function knex(...a) { return load().knex(...a); }',
      },
      {
        filter: /^\.\/pg-client\.js$/,
        importer: /[\\/]platform[\\/]clients\.ts$/,
        path: 'pg-client',
        contents: 'export class PreparedStatementsPgClient { constructor(...a) { return new (load().PreparedStatementsPgClient)(...a); } }',
      },
    ],
  },
  // Needed at the first event sent or received, not to answer a probe.
  cloudevents: {
    entry: "export { CloudEvent, HTTP } from 'cloudevents';\n",
    modules: [{
      filter: /^cloudevents$/,
      importer: /./,
      path: 'cloudevents',
      contents: [
        'export class CloudEvent {',
        '  constructor(...a) { return new (load().CloudEvent)(...a); }',
        '  static [Symbol.hasInstance](x) { return x instanceof load().CloudEvent; }',
        '  static cloneWith(...a) { return load().CloudEvent.cloneWith(...a); }',
        '}',
        'export const HTTP = Object.freeze({',
        '  binary: (...a) => load().HTTP.binary(...a),',
        '  structured: (...a) => load().HTTP.structured(...a),',
        '  toEvent: (...a) => load().HTTP.toEvent(...a),',
        '  isEvent: (...a) => load().HTTP.isEvent(...a),',
        '});',
      ].join('\n'),
    }],
  },
};

/**
 * One CommonJS file per lazy module, `<outdir>/lazy/<name>.cjs`, shared by every bundle that
 * uses it and required by its stand-ins at the first use (lazyModules).
 */
export async function buildLazyModules(outdir: string, names: Iterable<string>): Promise<BundleInfo[]> {
  const out: BundleInfo[] = [];
  for (const name of new Set(names)) {
    const file = join(outdir, 'lazy', `${name}.cjs`);
    const store = lazyModules[name]!.store;
    await bundle(file, lazyModules[name]!.entry, store ? [store] : [], `the lazily loaded ${name}`, { eagerDrivers: true, lazySaslprep: true, format: 'cjs' });
    out.push(sizeOf(name, 'lazy', file));
  }
  return out;
}

/** Output bytes per npm package (or source folder) of the last build of each bundle, for --analyze. */
export const composition = new Map<string, Record<string, number>>();
/** Source files (relative to the repo) in each bundle of the last build. */
export const bundleInputs = new Map<string, string[]>();

async function bundle(outfile: string, contents: string, stores: readonly Store[] | 'all', label: string, opts: EntryOptions & { format?: 'esm' | 'cjs'; outdir?: string } = {}): Promise<void> {
  mkdirSync(dirname(outfile), { recursive: true });
  const cjs = opts.format === 'cjs';
  // The stand-ins' path to the driver files, from this bundle's folder.
  const lazyDir = opts.outdir ? relative(dirname(outfile), join(opts.outdir, 'lazy')).split('\\').join('/') : undefined;
  const result = await esbuild.build({
    metafile: true,
    entryPoints: ['microride-entry'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: cjs ? 'cjs' : 'esm',
    minify: true,
    treeShaking: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    ...(cjs ? {} : { banner: { js: banner } }),
    external: externals,
    // Prefer the ESM builds of dual packages (smaller after tree-shaking); a CommonJS driver
    // file takes their CommonJS builds (an ESM build may need import.meta).
    mainFields: cjs ? ['main', 'module'] : ['module', 'main'],
    logLevel: 'warning',
    logOverride: { 'empty-import-meta': 'silent' },
    plugins: [entryPlugin(contents, stores, label, lazyDir === undefined ? opts : { ...opts, lazyDir: lazyDir.startsWith('.') ? lazyDir : `./${lazyDir}` })],
    absWorkingDir: root,
  });
  const byPackage: Record<string, number> = {};
  for (const out of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(out.inputs)) {
      const pkg = packageOf(path) ?? path.split('/').slice(0, 2).join('/');
      byPackage[pkg] = (byPackage[pkg] ?? 0) + input.bytesInOutput;
    }
  }
  composition.set(relative(root, outfile), byPackage);
  const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  bundleInputs.set(relative(root, outfile), inputs);
  const leaked = undeclaredDrivers(inputs, stores);
  if (leaked.length) throw new Error(`${label}: its bundle holds ${leaked.join(', ')} though its entry (contracts/catalog.ts or contracts/workloads.ts) does not declare that store; something imports the driver by a path the stub does not cover (see --analyze)`);
}

function sizeOf(name: string, kind: BundleInfo['kind'], file: string): BundleInfo {
  const code = readFileSync(file);
  const map = existsSync(`${file}.map`) ? readFileSync(`${file}.map`).length : 0;
  return { name, kind, file: relative(root, file), bytes: code.length, gzipBytes: gzipSync(code).length, mapBytes: map };
}

export async function build(opts: BuildOptions = {}): Promise<BundleInfo[]> {
  const outdir = resolve(root, opts.outdir ?? 'dist');
  const all = opts.functions ?? catalog;
  const unknown = (opts.only ?? []).filter((n) => !all.some((f) => f.name === n));
  if (unknown.length) throw new Error(`not in contracts/catalog.ts: ${unknown.join(', ')}`);
  const specs = opts.only ? all.filter((f) => opts.only!.includes(f.name)) : all;
  if (!opts.only) for (const dir of ['functions', 'lazy']) rmSync(join(outdir, dir), { recursive: true, force: true });

  const out: BundleInfo[] = [];
  // Two cores: a few bundles at a time is as fast as all at once and lighter on memory.
  const queue = [...specs];
  const worker = async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) {
      const file = join(outdir, 'functions', `${spec.name}.mjs`);
      await bundle(file, functionEntry(spec), spec.stores, `function ${spec.name}`, { eagerDrivers: opts.eagerDrivers, outdir });
      out.push(sizeOf(spec.name, 'function', file));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  out.sort((a, b) => a.name.localeCompare(b.name));
  // The web pages' browser bundles, which ops-assets serves from dist/web (WEB_ASSETS_DIR).
  if (specs.some((s) => s.name === 'ops-assets')) await buildWeb(join(outdir, 'web'));

  // --no-notifier leaves out the notifier, --no-system the others (the job, the tick relay).
  const workloads = (opts.workloads ?? allWorkloads).filter((w) => (bundleKind(w) === 'notifier' ? opts.notifier !== false : opts.jobs !== false));
  for (const w of workloads) {
    const file = join(outdir, `${w.bundle}.mjs`);
    await bundle(file, workloadEntry(w), w.stores, `${w.name} (${w.kind})`, { eagerDrivers: opts.eagerDrivers, outdir });
    out.push(sizeOf(basename(w.bundle), bundleKind(w), file));
  }
  if (opts.jobs !== false && !opts.workloads) {
    // Not deployed: run on demand as a one-off Job (functions/accounts/README.md).
    const file = join(outdir, `${ADMIN_TOOL.bundle}.mjs`);
    await bundle(file, workloadEntry(ADMIN_TOOL), ADMIN_TOOL.stores, 'admin account tool', { eagerDrivers: opts.eagerDrivers, outdir });
    out.push(sizeOf(basename(ADMIN_TOOL.bundle), 'system', file));
  }
  // The files the bundles above load at the first use: their stores' drivers, the CloudEvents SDK.
  if (!opts.eagerDrivers) {
    const stores = [...specs.map((s) => s.stores), ...workloads.map((w) => w.stores), ...(opts.jobs !== false && !opts.workloads ? [ADMIN_TOOL.stores] : [])].flat();
    const names = Object.entries(lazyModules).filter(([, m]) => m.store === undefined || stores.includes(m.store)).map(([name]) => name);
    out.push(...(await buildLazyModules(outdir, names)));
  }
  return out;
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export function sizeTable(bundles: readonly BundleInfo[]): string {
  const rows = bundles.map((b) => [b.file, kb(b.bytes), kb(b.gzipBytes), kb(b.mapBytes), b.bytes > BUDGET_BYTES ? 'OVER BUDGET' : 'ok']);
  const head = ['bundle', 'size', 'gzip', 'map', `< ${kb(BUDGET_BYTES)}`];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = value('--only')?.split(',').filter(Boolean);
  const started = performance.now();
  const bundles = await build({
    outdir: value('--outdir'),
    only,
    notifier: !args.includes('--no-notifier'),
    jobs: !args.includes('--no-system'),
  });
  if (args.includes('--analyze')) {
    for (const b of bundles) {
      const top = Object.entries(composition.get(b.file) ?? {}).sort((x, y) => y[1] - x[1]).slice(0, Number(process.env.ANALYZE_TOP ?? 12));
      process.stdout.write(`${b.file}\n${top.map(([k, v]) => `  ${kb(v).padStart(10)}  ${k}`).join('\n')}\n`);
    }
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(bundles, null, 2)}\n`);
  else process.stdout.write(`${sizeTable(bundles)}\n\n${bundles.length} bundles in ${Math.round(performance.now() - started)} ms\n`);
  const over = bundles.filter((b) => b.bytes > BUDGET_BYTES);
  if (over.length) {
    process.stderr.write(`warning: over the ${kb(BUDGET_BYTES)} target: ${over.map((b) => `${b.file} ${kb(b.bytes)}`).join(', ')} (see --analyze)\n`);
  }
  const tooBig = bundles.filter((b) => b.bytes > LIMIT_BYTES);
  if (tooBig.length) {
    process.stderr.write(`bundle size limit exceeded (${kb(LIMIT_BYTES)}): ${tooBig.map((b) => `${b.file} ${kb(b.bytes)}`).join(', ')}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
