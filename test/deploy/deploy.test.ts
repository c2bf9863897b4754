/**
 * Deployment artefacts, fast checks (the slow helm/kubeconform/kn ones are in
 * scripts/check-deploy.sh): the committed manifests follow the catalog, the bundles build
 * small and start as Knative starts them, the tick relay turns pings into ticks.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { randomUUID } from 'node:crypto';
import { brokerEmits, catalog } from '../../contracts/catalog.js';
import { notifierTriggers } from '../../contracts/triggers.js';
import { entries, workloadOf, workloads } from '../../contracts/workloads.js';
import { serviceMigrations } from '../../functions/migrations.js';
import { notifierConfig } from '../../notifier/config.js';
import { db, closeClients, schemaName } from '../../platform/clients.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import { startSubscriber } from '../eventing/helpers.js';
import { generateKeyPairPem } from '../../platform/auth/keys.js';
import { startTickRelay, type TickRelay } from '../../platform/tick-relay.js';
import { build, bundleInputs, BUDGET_BYTES, packagesOf, undeclaredDrivers, workloadEntry, type BundleInfo } from '../../scripts/build.js';
import { renderAll, workloadFile } from '../../scripts/generate.js';
import { plan } from '../../scripts/deploy/kn-plan.js';
import {
  functions, pathMatch, root, routeGroups, subscriberRef, ticks, triggers, workloadBundle, workloadSecretEnv, MAX_RULES_PER_ROUTE,
} from '../../scripts/deploy/model.js';
import { http, startBundle } from '../../scripts/deploy/spawn-bundle.js';
import { verifyCommitted, verifyEventAuth, verifyKn, verifyPostgresBudget, essentials, readObjects, PG_ADMIN_CONNECTIONS, UNAUTHENTICATED_WARNING, type K8sObject } from '../../scripts/deploy/verify.js';
import { SCHEMA_LOCATION_TEMPLATE } from '../../scripts/deploy/schemas.js';

/** A drivers outbox row no process has published: what a pod leaves when it dies right after its commit. */
async function strandedOutboxRow(): Promise<{ id: string; table: string }> {
  const id = randomUUID();
  const table = `${schemaName('drivers')}.outbox`;
  await db()(table).insert({ id, source: '/microride/drivers-availability', type: 'microride.driver.availability_changed', subject: id, time: new Date(), data: JSON.stringify({ driverId: id, userId: id, status: 'online', vehicleClass: 'economy' }) });
  return { id, table };
}

/** The row reached the sink and its outbox row is gone. */
async function publishedAndDeleted(sink: Awaited<ReturnType<typeof startSubscriber>>, table: string, id: string): Promise<void> {
  const [got] = await sink.waitFor(1, 10_000);
  expect(got!.event.id).toBe(id);
  const deadline = Date.now() + 5_000;
  while ((await db()(table).where({ id }).first()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(await db()(table).where({ id }).first()).toBeUndefined();
}

describe('manifests derived from the catalog', () => {
  it('the committed generated files are up to date (npm run generate)', () => {
    for (const [rel, text] of renderAll()) {
      expect(readFileSync(join(root, rel), 'utf8'), `${rel} is stale: run npm run generate`).toBe(text);
    }
  });

  it('every catalog function has exactly one Knative Service, every subscription exactly one Trigger', () => {
    const errors: string[] = [];
    verifyCommitted(errors);
    expect(errors).toEqual([]);
    expect(functions().map((f) => f.name).sort()).toEqual(catalog.map((f) => f.name).sort());
  });

  it('gives each function only the secrets its stores and keys need', () => {
    for (const fn of functions()) {
      const spec = catalog.find((c) => c.name === fn.name)!;
      expect(fn.secretEnv.includes('DATABASE_URL')).toBe(spec.stores.includes('postgres'));
      expect(fn.secretEnv.includes('REDIS_URL')).toBe(spec.stores.includes('redis'));
      expect(fn.secretEnv.includes('MONGO_URL')).toBe(spec.stores.includes('mongo'));
      expect(fn.secretEnv.includes('JWT_PRIVATE_KEY')).toBe(!!spec.signsTokens);
      // K_SINK (a SinkBinding) only for what goes through the broker; matching hands its
      // offer rounds straight to rides-offers; the dead-letter replay re-publishes.
      expect(fn.emits).toBe(brokerEmits(spec).length > 0 || spec.name === 'eventing-admin-replay');
      expect(fn.visibility).toBe(spec.kind === 'http' ? 'public' : 'cluster-local');
    }
    expect(functions().find((f) => f.name === 'matching-request')!.emits).toBe(false);
    expect(functions().find((f) => f.name === 'matching-sweep')!.emits).toBe(true); // ride.offer_expired
    expect(functions().find((f) => f.name === 'eventing-admin-replay')!.emits).toBe(true);
  });

  it('gives a function that calls another directly the callee\'s cluster-local address, in every way of deploying', () => {
    const callers = catalog.filter((f) => Object.keys(f.calls ?? {}).length > 0);
    expect(callers.map((f) => f.name).sort()).toEqual(['matching-next', 'matching-rematch', 'matching-request', 'matching-sweep', 'rides-accept', 'rides-complete']);
    const committed = renderAll();
    const knPlan = plan('img:1', 'rides-ns');
    for (const spec of callers) {
      for (const [setting, callee] of Object.entries(spec.calls!)) {
        expect(catalog.some((f) => f.name === callee), `${spec.name} calls unknown ${callee}`).toBe(true);
        // knative/: the documented namespace.
        expect(committed.get(`knative/${spec.name}.yaml`)).toContain(`- name: ${setting}\n              value: http://${callee}.microride.svc.cluster.local`);
        // kn: the namespace it deploys to.
        const args = knPlan.find((c) => c.step === 'service' && c.name === spec.name)!.args;
        expect(args).toContain(`${setting}=http://${callee}.rides-ns.svc.cluster.local`);
      }
      // The chart: the table the template renders with the release namespace.
      expect(committed.get('charts/microride/values.yaml')).toMatch(new RegExp(`${spec.name}:[\\s\\S]*?calls:\\n\\s+${Object.keys(spec.calls!)[0]}: ${Object.values(spec.calls!)[0]}`));
    }
  });

  it('one PingSource per tick type and schedule, reaching every scheduled function', () => {
    const scheduled = catalog.filter((f) => f.kind === 'event' && f.schedule).map((f) => f.name).sort();
    expect(ticks().flatMap((t) => t.functions).sort()).toEqual(scheduled);
    for (const t of ticks()) {
      for (const name of t.functions) expect(triggers().some((tr) => tr.subscriber === name && tr.filter.type === t.type)).toBe(true);
    }
  });

  it('routes every public path to its function, at most 16 rules per HTTPRoute', () => {
    expect(pathMatch('/api/v1/rides/{id}/accept')).toEqual({ pathType: 'RegularExpression', path: '/api/v1/rides/[^/]+/accept' });
    expect(pathMatch('/.well-known/jwks.json')).toEqual({ pathType: 'Exact', path: '/.well-known/jwks.json' });
    const rules = routeGroups().flatMap((g) => (expect(g.rules.length).toBeLessThanOrEqual(MAX_RULES_PER_ROUTE), g.rules));
    expect(rules.map((r) => r.function).sort()).toEqual(catalog.filter((f) => f.kind === 'http').map((f) => f.name).sort());
  });

  it('kn commands: one service create per function with the same bundle, one trigger per subscription', () => {
    const cmds = plan('reg.invalid/microride:1');
    for (const fn of functions()) {
      const svc = cmds.filter((c) => c.step === 'service' && c.name === fn.name);
      expect(svc).toHaveLength(1);
      const args = svc[0]!.args;
      expect(args[args.indexOf('--arg') + 1]).toBe(fn.bundle);
      expect(args[args.indexOf('--image') + 1]).toBe('reg.invalid/microride:1');
      expect(args[args.indexOf('--scale-max') + 1]).toBe(String(fn.scaling.maxScale));
    }
    for (const t of triggers()) expect(cmds.filter((c) => c.step === 'trigger' && c.name === t.name)).toHaveLength(1);
  });

  it('every workload kind renders from its entry: objects, bundle, secrets', () => {
    const committed = renderAll();
    const expected = { notifier: ['Deployment', 'Service', 'PodDisruptionBudget'], 'tick-relay': ['Service'], job: ['Job'], 'outbox-relay': ['Deployment', 'SinkBinding'] } as const;
    for (const w of workloads) {
      const { path, objects } = workloadFile(w, 'img:1');
      expect(committed.has(path), `${w.name}: ${path} is generated`).toBe(true);
      const onDisk = parseAllDocuments(committed.get(path)!).map((d) => d.toJS() as K8sObject);
      expect(onDisk.map((o) => o.kind)).toEqual(expected[w.kind]);
      expect(objects.map((o) => (o as K8sObject).metadata.name)).toEqual(expected[w.kind].map((k) => (k === 'SinkBinding' ? `${w.name}-sink` : w.name)));
      const pod = (onDisk[0]!.spec as { template: { spec: { containers: { args: string[]; env?: { name: string; valueFrom?: unknown }[] }[] } } }).template.spec;
      const c = pod.containers[0]!;
      expect(c.args).toEqual([workloadBundle(w)]);
      // Least privilege: its stores' URLs and the secrets its entry names, nothing else.
      expect((c.env ?? []).filter((e) => e.valueFrom).map((e) => e.name)).toEqual(workloadSecretEnv(w));
    }
    expect(workloadSecretEnv(workloadOf('notifier'))).toEqual(['REDIS_URL', 'JWT_PUBLIC_KEY']);
    expect(workloadSecretEnv(workloadOf('job'))).toEqual(['DATABASE_URL']);
    expect(workloadSecretEnv(workloadOf('tick-relay'))).toEqual([]);
    expect(workloadSecretEnv(workloadOf('outbox-relay'))).toEqual(['DATABASE_URL']);
    // The outbox relay gets K_SINK like a function: a SinkBinding on its Deployment, to the Broker.
    const relayBinding = workloadFile(workloadOf('outbox-relay')).objects[1] as K8sObject;
    expect(relayBinding.spec).toMatchObject({ subject: { apiVersion: 'apps/v1', kind: 'Deployment', name: workloadOf('outbox-relay').name }, sink: { ref: { kind: 'Broker' } } });
    // The notifier listens where its entry says even without NOTIFIER_PORT (as under npm start).
    expect(notifierConfig({}).NOTIFIER_PORT).toBe(workloadOf('notifier').port);
  });

  it('the notifier\'s Triggers come from its entry, to its v1 Service, in the YAML, the chart values and the kn plan', () => {
    const n = workloadOf('notifier');
    const mine = triggers().filter((t) => t.subscriber === n.name);
    expect(mine).toEqual(notifierTriggers());
    expect(mine.map((t) => t.filter.type)).toEqual(n.subscriptions.map((s) => s.filter.type));
    expect(subscriberRef(n.name)).toEqual({ apiVersion: 'v1', kind: 'Service', name: n.name });
    const files = renderAll();
    const yamlTriggers = parseAllDocuments(files.get('eventing/triggers.yaml')!).map((d) => d.toJS() as K8sObject).filter((o) => (o.spec as { subscriber: { ref: { name: string } } }).subscriber.ref.name === n.name);
    expect(yamlTriggers.map((o) => o.metadata.name)).toEqual(mine.map((t) => t.name));
    const values = parseAllDocuments(files.get('charts/microride/values.yaml')!)[0]!.toJS() as {
      triggers: { name: string; function: string }[];
      notifier: { replicas: number; port: number; resources: unknown; podDisruptionBudget: { minAvailable: number } };
    };
    expect(values.triggers.filter((t) => t.function === n.name).map((t) => t.name)).toEqual(mine.map((t) => t.name));
    expect(values.notifier).toMatchObject({ replicas: n.replicas, port: n.port, resources: n.resources, podDisruptionBudget: { minAvailable: n.minAvailable } });
    const cmds = plan('img:1', 'ns');
    for (const t of mine) expect(cmds.find((c) => c.step === 'trigger' && c.name === t.name)!.args).toContain('svc:notifier:ns');
    expect(cmds.filter((c) => c.step === 'rollout').map((c) => c.args)).toEqual([[`deployment/${n.name}`], [`deployment/${workloadOf('outbox-relay').name}`]]);
  });

  it('the notifier\'s Triggers reach its CloudEvent port, never its websocket port', () => {
    const n = workloadOf('notifier');
    expect(n.eventsPort).not.toBe(n.port);
    expect(notifierConfig({}).NOTIFIER_EVENTS_PORT).toBe(n.eventsPort);
    const [deployment, service] = parseAllDocuments(renderAll().get(`knative/${n.name}.yaml`)!).map((d) => d.toJS() as K8sObject);
    type Container = { ports: { name: string; containerPort: number }[]; env: { name: string; value?: string }[] };
    const c = (deployment!.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
    const portOf = (name: string) => c.ports.find((p) => p.name === name)?.containerPort;
    expect(portOf('http')).toBe(n.port);
    expect(portOf('events')).toBe(n.eventsPort);
    const env = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ NOTIFIER_PORT: String(n.port), NOTIFIER_EVENTS_PORT: String(n.eventsPort), NOTIFIER_EVENTS_HOST: '0.0.0.0' });
    // A Trigger whose subscriber is a v1 Service delivers to its port 80.
    const ports = (service!.spec as { ports: { name: string; port: number; targetPort: string }[] }).ports;
    expect(ports.find((p) => p.port === 80)?.targetPort).toBe('events');
    expect(ports.find((p) => p.targetPort === 'http')?.port).toBe(n.port);
  });

  it('the tick relay and the migration job come from their entries, in the manifests, the chart values and the kn plan', () => {
    const relay = workloadOf('tick-relay');
    const job = workloadOf('job');
    const values = parseAllDocuments(renderAll().get('charts/microride/values.yaml')!)[0]!.toJS() as { tickRelay: { resources: unknown } };
    expect(values.tickRelay.resources).toEqual(relay.resources);
    const ticksYaml = parseAllDocuments(renderAll().get('knative/ticks.yaml')!).map((d) => d.toJS() as K8sObject);
    const relayTrigger = ticksYaml.find((o) => o.kind === 'Trigger')!;
    expect(relayTrigger.metadata.name).toBe(relay.name);
    expect(relayTrigger.spec).toMatchObject({ filter: { attributes: relay.subscription.filter }, subscriber: { ref: { name: relay.name } }, delivery: relay.subscription.delivery });
    const cmds = plan('img:1', 'ns');
    const svc = cmds.find((c) => c.step === 'service' && c.name === relay.name)!.args;
    expect(svc[svc.indexOf('--arg') + 1]).toBe(workloadBundle(relay));
    expect(svc[svc.indexOf('--scale-max') + 1]).toBe(String(relay.scaling.maxScale));
    const migrate = cmds.find((c) => c.step === 'migrate')!;
    expect(migrate.args[0]).toBe(job.name);
    expect(JSON.parse(migrate.args[1]!)).toMatchObject({ kind: 'Job', metadata: { name: job.name }, spec: { backoffLimit: job.backoffLimit } });
  });

  it('every secret a function or workload gets is a key of the chart\'s Secret', () => {
    const values = parseAllDocuments(renderAll().get('charts/microride/values.yaml')!)[0]!.toJS() as { secrets: Record<string, string> };
    const used = new Set([...functions().flatMap((f) => f.secretEnv), ...workloads.flatMap(workloadSecretEnv)]);
    for (const key of used) expect(Object.keys(values.secrets), key).toContain(key);
    expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
  });

  it('the kn comparison notices a difference', () => {
    const committed = readObjects(join(root, 'knative'));
    const errors: string[] = [];
    const altered = committed.map((o) => structuredClone(o));
    const svc = altered.find((o) => o.kind === 'Service' && o.metadata.name === functions()[0]!.name)!;
    (svc.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['autoscaling.knative.dev/max-scale'] = '999';
    verifyKn(errors, altered, committed);
    expect(errors.join('\n')).toContain('scaling');
    expect(essentials(svc).scaling['max-scale']).toBe('999');
  });

  it('PostgreSQL max_connections must hold one pod of every PostgreSQL function at its pool, replicas equal to the primary', () => {
    // Every PostgreSQL function's pod, and the always-on outbox relay's, which holds its pool without traffic.
    const pgFunctions = functions().filter((f) => f.stores.includes('postgres')).length + workloadOf('outbox-relay').replicas;
    const chart = (poolMax?: string): K8sObject[] => [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'microride-env' }, data: poolMax ? { PG_POOL_MAX: poolMax } : {} },
    ];
    const pg = (primary: number, replica?: number) => ({
      primary: { extendedConfiguration: `max_connections = ${primary}` },
      ...(replica === undefined ? {} : { architecture: 'replication', readReplicas: { extendedConfiguration: `max_connections = ${replica}` } }),
    });
    const run = (values: Record<string, unknown>, rendered: K8sObject[]) => {
      const errors: string[] = [];
      return { budget: verifyPostgresBudget(errors, values, rendered, 'pg'), errors };
    };
    const need4 = pgFunctions * 4 + PG_ADMIN_CONNECTIONS;
    expect(run(pg(need4), chart('4'))).toEqual({ budget: need4, errors: [] });
    expect(run(pg(need4 - 1), chart('4')).errors.join()).toContain(`max_connections ${need4 - 1} < ${need4}`);
    // Without PG_POOL_MAX in the config the functions use runtime/config.ts' default of 10.
    expect(run(pg(need4), chart()).errors.join()).toContain(`< ${pgFunctions * 10 + PG_ADMIN_CONNECTIONS}`);
    expect(run(pg(500, 400), chart('10')).errors.join()).toContain('readReplicas max_connections 400');
    expect(run(pg(500, 500), chart('10')).errors).toEqual([]);
    expect(run({ primary: {} }, chart('4')).errors.join()).toContain('sets no max_connections');
  });
});

describe('event authentication and NetworkPolicies in the chart', () => {
  // The cached tools and schemas scripts/check-deploy.sh uses (scripts/go-tools.sh builds them).
  const cache = process.env.MICRORIDE_CACHE ?? join(homedir(), '.cache/microride');
  const helm = join(cache, 'tools-bin/helm');
  const kubeconform = join(cache, 'tools-bin/kubeconform');
  const schemaDirs = existsSync(join(cache, 'schemas')) ? readdirSync(join(cache, 'schemas')).map((d) => join(cache, 'schemas', d)).filter((d) => existsSync(join(d, '.complete'))) : [];
  const haveHelm = existsSync(helm);
  const run = promisify(execFile);
  const render = async (...set: string[]) => {
    const { stdout } = await run(helm, ['template', 'microride', join(root, 'charts/microride'), '-n', 'microride', ...set.flatMap((s) => ['--set', s])], { maxBuffer: 64 << 20 });
    return stdout;
  };
  const objectsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => !!o?.kind);
  const auth = (text: string, oidc: boolean, objects = objectsOf(text)) => {
    const errors: string[] = [];
    verifyEventAuth(errors, objects, text, 'render', oidc);
    return errors;
  };
  let off = '';
  let on = '';
  beforeAll(async () => {
    if (!haveHelm) return;
    off = await render();
    on = await render('eventAuth.oidc.enabled=true', 'eventAuth.oidc.brokerSendsTokens=true');
  });

  it.skipIf(!haveHelm)('default values: NetworkPolicies admit only Knative\'s data plane and the dispatchers; the render warns that events are not authenticated', () => {
    expect(auth(off, false)).toEqual([]);
    const fnPolicy = objectsOf(off).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'microride-functions')!;
    expect(fnPolicy.spec).toMatchObject({ podSelector: { matchExpressions: [{ key: 'microride.dev/function', operator: 'Exists' }] }, policyTypes: ['Ingress'] });
    expect(off).toContain(UNAUTHENTICATED_WARNING);
    expect(on).not.toContain(UNAUTHENTICATED_WARNING);
  });

  it.skipIf(!haveHelm)('eventAuth.oidc on: every receiver checks tokens for its own audience, and its Triggers send exactly that', () => {
    expect(auth(on, true)).toEqual([]);
    const objects = objectsOf(on);
    const offers = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'rides-offers')!;
    const env = (offers.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'EVENT_OIDC', value: 'on' });
    expect(env).toContainEqual({ name: 'EVENT_OIDC_AUDIENCE', value: 'serving.knative.dev/service/microride/rides-offers' });
    // Its own render is judged against the other mode: the checks are not vacuous.
    expect(auth(on, false).join('\n')).toMatch(/sets EVENT_OIDC with eventAuth.oidc off/);
    expect(auth(off, true).join('\n')).toMatch(/does not check their tokens/);
  });

  it.skipIf(!haveHelm)('eventAuth.oidc with the RabbitMQ broker alone fails to render: its dispatcher sends no token', async () => {
    await expect(render('eventAuth.oidc.enabled=true')).rejects.toThrow(/sends no OIDC token/);
  });

  it.skipIf(!haveHelm)('the checks notice an open peer, an unselected function, a mismatched audience, a missing call token', () => {
    const broken = (text: string, mutate: (objs: K8sObject[]) => void) => {
      const objs = objectsOf(text).map((o) => structuredClone(o));
      mutate(objs);
      return objs;
    };
    const policy = (objs: K8sObject[], name: string) => objs.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name)!.spec as { podSelector: unknown; ingress: { from: unknown[] }[] };
    expect(auth(off, false, broken(off, (o) => policy(o, 'microride-functions').ingress[0]!.from.push({ namespaceSelector: {} }))).join()).toMatch(/broad peer/);
    expect(auth(off, false, broken(off, (o) => { policy(o, 'microride-notifier').ingress[0]!.from = [{ podSelector: {} }]; })).join()).toMatch(/broad peer.*dispatchers|dispatchers/s);
    expect(auth(off, false, broken(off, (o) => { policy(o, 'microride-functions').podSelector = { matchLabels: { 'microride.dev/function': 'rides-offers' } }; })).join()).toMatch(/does not select matching-next/);
    expect(auth(on, true, broken(on, (o) => {
      const t = o.find((x) => x.kind === 'Trigger' && (x.spec as { subscriber: { ref: { name: string } } }).subscriber.ref.name === 'payments-capture')!;
      (t.spec as { subscriber: { audience: string } }).subscriber.audience = 'serving.knative.dev/service/microride/rides-offers';
    })).join()).toMatch(/sends tokens for serving.knative.dev\/service\/microride\/rides-offers, payments-capture checks/);
    expect(auth(on, true, broken(on, (o) => {
      const m = o.find((x) => x.kind === 'Service' && x.metadata.name === 'matching-next')!;
      delete (m.spec as { template: { spec: { volumes?: unknown } } }).template.spec.volumes;
    })).join()).toMatch(/matching-next has no projected token for rides-offers/);
  });

  it.skipIf(!haveHelm || !existsSync(kubeconform) || schemaDirs.length === 0)('the NetworkPolicies and the OIDC render pass kubeconform -strict with the cached schemas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-'));
    try {
      const policies = [off, on].flatMap(objectsOf).filter((o) => o.kind === 'NetworkPolicy');
      expect(policies.length).toBe(4);
      writeFileSync(join(dir, 'policies.yaml'), policies.map((p) => `---\n${stringify(p)}`).join(''));
      writeFileSync(join(dir, 'oidc.yaml'), on);
      const location = join(schemaDirs[0]!, SCHEMA_LOCATION_TEMPLATE);
      const { stdout } = await run(kubeconform, ['-strict', '-summary', '-schema-location', location, dir]);
      expect(stdout).toMatch(/Invalid: 0, Errors: 0/);
      // And a broken one is refused: the schema is really applied.
      writeFileSync(join(dir, 'bad.yaml'), stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { podSelecter: {} } }));
      const bad = await run(kubeconform, ['-strict', '-schema-location', location, join(dir, 'bad.yaml')]).then(
        () => 'accepted',
        (err: { stdout?: string }) => err.stdout ?? '',
      );
      expect(bad).toMatch(/podSelecter/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bundles', () => {
  let out: string;
  let bundles: BundleInfo[];
  const keys = generateKeyPairPem();
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    JWT_PUBLIC_KEY: keys.publicKey,
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    PG_SCHEMA_PREFIX: process.env.PG_SCHEMA_PREFIX ?? '',
  };

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'microride-bundles-'));
    bundles = await build({ outdir: out, only: ['accounts-jwks', 'drivers-get', 'analysis-quote', 'drivers-availability', 'rides-request', 'rides-get'], notifier: false });
    await migrate('drivers', serviceMigrations.drivers!);
  }, 180_000);
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await dropSchema('drivers');
    await closeClients();
  });

  it('builds each workload from its entry module: the job and the tick relay run their `run` export', () => {
    for (const w of workloads) {
      const entry = workloadEntry(w);
      expect(entry).toContain(`${w.entry.module}.ts`);
      if (w.entry.run) expect(entry).toContain(`await ${w.entry.run}();`);
    }
    for (const name of ['migrate', 'tick-relay']) {
      const w = workloads.find((x) => workloadBundle(x).endsWith(`/${name}.mjs`))!;
      // dist/<bundle>.mjs, under the build's outdir.
      expect(bundles.find((b) => b.name === name)!.file.endsWith(workloadBundle(w).replace(/^dist\//, '/'))).toBe(true);
    }
  });

  it('npm run migrate and the migration Job\'s bundle apply every service\'s migrations and exit 0', async () => {
    const prefix = `${env.PG_SCHEMA_PREFIX}m${randomUUID().slice(0, 6)}_`;
    const run = promisify(execFile);
    const childEnv = { ...process.env, PG_SCHEMA_PREFIX: prefix, LOG_LEVEL: 'info' };
    const services = [...workloadOf('job').migrates];
    const lines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    try {
      const npm = await run('npm', ['run', '--silent', 'migrate'], { cwd: root, env: childEnv, timeout: 120_000 });
      const first = lines(npm.stdout);
      expect(first.map((l) => l.split(':')[0])).toEqual(services);
      expect(first.every((l) => /: applied \S/.test(l)), first.join('\n')).toBe(true);
      // The Job's bundle: the same code, so the same schemas, now up to date.
      const job = await run(process.execPath, [join(out, 'system', 'migrate.mjs')], { cwd: root, env: childEnv, timeout: 60_000 });
      expect(lines(job.stdout)).toEqual(services.map((s) => `${s}: up to date`));
    } finally {
      for (const s of services) await db().raw('drop schema if exists ?? cascade', [`${prefix}${s}`]);
    }
  }, 180_000);

  it('builds one small ESM bundle per function, with a source map', () => {
    for (const b of bundles) {
      expect(b.bytes, `${b.file} is ${Math.round(b.bytes / 1024)} KiB`).toBeLessThan(BUDGET_BYTES);
      expect(b.mapBytes).toBeGreaterThan(0);
    }
    expect(bundles.map((b) => b.name).sort()).toEqual(['accounts-jwks', 'admin', 'analysis-quote', 'cloudevents', 'drivers-availability', 'drivers-get', 'migrate', 'outbox-relay', 'postgres', 'redis', 'rides-get', 'rides-request', 'tick-relay']);
    // The store drivers and the CloudEvents SDK are files of their own, loaded at the first use (scripts/build.ts, lazyModules).
    expect(bundles.filter((b) => b.kind === 'lazy').map((b) => b.file.split('/').slice(-2).join('/')).sort()).toEqual(['lazy/cloudevents.cjs', 'lazy/postgres.cjs', 'lazy/redis.cjs']);
  });

  it('gives QUOTE_SECRET to exactly the functions whose bundle signs or verifies quotes', () => {
    const holders: string[] = [];
    for (const b of bundles.filter((x) => x.kind === 'function')) {
      const usesQuotes = (bundleInputs.get(b.file) ?? []).some((f) => f.endsWith('functions/analysis/quote-token.ts'));
      const fn = functions().find((f) => f.name === b.name)!;
      expect(fn.secretEnv.includes('QUOTE_SECRET'), b.name).toBe(usesQuotes);
      if (usesQuotes) holders.push(b.name);
    }
    expect(holders.sort()).toEqual(['analysis-quote', 'rides-request']);
    expect(functions().filter((f) => f.secretEnv.includes('QUOTE_SECRET')).map((f) => f.name).sort()).toEqual(['analysis-quote', 'rides-request']);
  });

  it('a bundle starts as Knative starts it and answers readiness and requests', async () => {
    const jwks = await startBundle(join(out, 'functions/accounts-jwks.mjs'), env);
    try {
      const r = await http(`${jwks.url}/.well-known/jwks.json`);
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { keys: unknown[] }).keys).toHaveLength(1);
    } finally {
      expect(await jwks.stop()).toBe(0);
    }
    const drivers = await startBundle(join(out, 'functions/drivers-get.mjs'), env);
    try {
      const r = await http(`${drivers.url}/health/readiness`);
      expect(JSON.parse(r.body)).toMatchObject({ status: 'ready', checks: { postgres: 'ok' } });
      expect((await http(`${drivers.url}/api/v1/drivers/not-a-uuid`)).status).toBe(401);
    } finally {
      expect(await drivers.stop()).toBe(0);
    }
  }, 60_000);

  it('a function pod that writes into an outbox runs its relay: a row left behind is published to K_SINK and deleted', async () => {
    // Only functions with an outbox carry the relay; the others' bundles do not include it.
    const withRelay = (name: string) => (bundleInputs.get(bundles.find((b) => b.name === name)!.file) ?? []).some((f) => f.endsWith('platform/events/outbox-relay.ts'));
    expect(withRelay('drivers-availability')).toBe(true);
    expect(withRelay('accounts-jwks')).toBe(false);
    expect(withRelay('drivers-get')).toBe(false);

    const sink = await startSubscriber();
    const { id, table } = await strandedOutboxRow();
    // As if a pod had committed it and died before publishing.
    const pod = await startBundle(join(out, 'functions/drivers-availability.mjs'), { ...env, K_SINK: sink.url, OUTBOX_GRACE_MS: '0', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', QUOTE_SECRET: 'x'.repeat(43) });
    try {
      await publishedAndDeleted(sink, table, id);
    } finally {
      expect(await pod.stop()).toBe(0);
      await sink.close();
    }
  }, 60_000);

  it('the always-on outbox relay bundle publishes a row of a service no pod of which runs, and needs K_SINK', async () => {
    await expect(startBundle(join(out, 'system/outbox-relay.mjs'), env, { timeoutMs: 10_000 })).rejects.toThrow(/exited with 78[\s\S]*K_SINK/);
    const sink = await startSubscriber();
    const { id, table } = await strandedOutboxRow();
    // Committed by a drivers pod that died before publishing; no drivers pod runs now.
    const relay = await startBundle(join(out, 'system/outbox-relay.mjs'), { ...env, K_SINK: sink.url, OUTBOX_GRACE_MS: '0' });
    try {
      expect(JSON.parse((await http(`${relay.url}/health/readiness`)).body)).toMatchObject({ status: 'ready', checks: { postgres: 'ok' } });
      await publishedAndDeleted(sink, table, id);
    } finally {
      expect(await relay.stop()).toBe(0);
      await sink.close();
    }
  }, 60_000);

  it('a bad environment stops the bundle with one line naming the variable (exit 78)', async () => {
    await expect(startBundle(join(out, 'functions/drivers-get.mjs'), { ...env, DATABASE_URL: 'not a url' }, { timeoutMs: 10_000 })).rejects.toThrow(
      /exited with 78[\s\S]*DATABASE_URL/,
    );
  }, 30_000);

  it('the build refuses a bundle that holds the driver of a store its function does not declare', () => {
    const inputs = ['platform/clients.ts', 'node_modules/knex/lib/dialects/postgres/index.js', 'node_modules/pg/lib/client.js', 'node_modules/@ioredis/commands/built/index.js', 'node_modules/hono/dist/hono.js'];
    expect(undeclaredDrivers(inputs, ['redis'])).toEqual(['knex (store "postgres")', 'pg (store "postgres")']);
    expect(undeclaredDrivers(inputs, ['postgres'])).toEqual(['@ioredis/commands (store "redis")']);
    expect(undeclaredDrivers(inputs, ['postgres', 'redis'])).toEqual([]);
    expect(undeclaredDrivers(inputs, 'all')).toEqual([]);
  });

  it('a store a function does not declare is not in its bundle and fails loudly if used', () => {
    const jwks = bundles.find((b) => b.name === 'accounts-jwks')!;
    const text = readFileSync(join(root, jwks.file), 'utf8');
    expect(text.includes('accounts-jwks does not declare the "postgres" store'), 'stub message in the bundle').toBe(true);
    // By the bundle's inputs, not its text: a subpath import (runtime/pg-client.ts extends
    // knex's PostgreSQL client) once brought knex, pg and lodash back in under the stub.
    const packagesIn = (name: string) => packagesOf(bundleInputs.get(bundles.find((b) => b.name === name)!.file) ?? []);
    const storeDrivers = ['knex', 'pg', 'lodash', 'ioredis', 'mongodb'];
    expect(storeDrivers.filter((p) => packagesIn('accounts-jwks').has(p)), 'store drivers in accounts-jwks (stores: none)').toEqual([]);
    expect(['ioredis', 'mongodb'].filter((p) => packagesIn('drivers-get').has(p)), 'drivers-get declares PostgreSQL only').toEqual([]);
    // Its own store's driver is a stand-in that loads lazy/postgres.cjs at the first query.
    expect(bundleInputs.get(bundles.find((b) => b.name === 'drivers-get')!.file), 'drivers-get keeps its own store').toContain('microride-lazy-driver:knex');
    expect(packagesIn('drivers-get').has('knex'), 'knex is in the driver file, not the bundle').toBe(false);
    const pgDriver = bundles.find((b) => b.kind === 'lazy' && b.name === 'postgres')!;
    expect(['knex', 'pg'].filter((p) => packagesOf(bundleInputs.get(pgDriver.file) ?? []).has(p))).toEqual(['knex', 'pg']);
    // Neither function sends or receives events: no CloudEvents SDK (EmitError lives apart).
    const inputsOf = (name: string) => bundleInputs.get(bundles.find((b) => b.name === name)!.file) ?? [];
    for (const name of ['accounts-jwks', 'drivers-get']) {
      expect(packagesIn(name).has('cloudevents'), `cloudevents in ${name}`).toBe(false);
      expect(inputsOf(name), `the SDK's stand-in in ${name}`).not.toContain('microride-lazy-driver:cloudevents');
    }
    // An emitting function loads the SDK (lazy/cloudevents.cjs) at its first event.
    expect(inputsOf('drivers-availability'), 'an emitting function keeps the SDK').toContain('microride-lazy-driver:cloudevents');
    expect(packagesIn('drivers-availability').has('cloudevents')).toBe(false);
  });
});

describe('tick relay', () => {
  let relay: TickRelay;
  beforeAll(async () => {
    relay = await startTickRelay({ port: 0, host: '127.0.0.1', types: ['microride.matching.tick'] });
  });
  afterAll(() => relay.close());

  it('answers a binary-mode ping with the tick it names, id derived from the ping', async () => {
    const r = await http(`${relay.url}/`, {
      method: 'POST',
      headers: { 'ce-specversion': '1.0', 'ce-id': 'p1', 'ce-type': 'dev.knative.sources.ping', 'ce-source': '/apis/v1/pingsources/x', 'ce-microridetick': 'microride.matching.tick', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(200);
    expect(r.headers['ce-type']).toBe('microride.matching.tick');
    expect(r.headers['ce-id']).toBe('tick-p1');
    expect(r.headers['ce-source']).toBe('/microride/tick');
    expect(r.body).toBe('{}');
  });

  it('accepts structured mode and rejects a ping without an allowed tick type', async () => {
    const ok = await http(`${relay.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: 'p2', type: 'dev.knative.sources.ping', source: '/x', microridetick: 'microride.matching.tick' }),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['ce-id']).toBe('tick-p2');
    const bad = await http(`${relay.url}/`, { method: 'POST', headers: { 'ce-id': 'p3', 'ce-microridetick': 'microride.ride.completed' }, body: '' });
    expect(bad.status).toBe(400);
    expect((await http(`${relay.url}/health/readiness`)).status).toBe(200);
  });
});
