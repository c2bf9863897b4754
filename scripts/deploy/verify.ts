/**
 * Consistency checks of the deployment artefacts against the catalog and each other
 * (scripts/check-deploy.sh runs this after kubeconform has checked the schemas):
 *
 *   - knative/: every catalog function has exactly one Knative Service (named after it, its
 *     bundle in args), every emitting function exactly one SinkBinding to the Broker, every
 *     tick one PingSource, every workload (contracts/workloads.ts) its objects; nothing extra.
 *   - eventing/triggers.yaml: every subscription (contracts/triggers.ts) exactly one Trigger
 *     with its filter and subscriber.
 *   - --helm FILE (default values render): the chart renders the same Knative Services,
 *     SinkBindings, Broker, Triggers, PingSources, notifier and migration Job as the committed
 *     manifests (spec equal; labels may add Helm's, the Job Helm's hook annotations).
 *   - --helm-prod FILE: the same set of objects (values may change scaling/resources).
 *   - --kn DIR (kn service create --target output): per function the same image, args, env
 *     names, envFrom, scaling annotations, concurrency, timeout, probe paths, resources.
 *   - event authentication (verifyEventAuth): in every render, NetworkPolicies that select
 *     every function pod and the notifier and admit only named peers (Knative's activator
 *     and autoscaler, the ingress gateway, the Broker's dispatchers); --helm (OIDC off): no
 *     receiver checks tokens, no Trigger names an audience, the render carries the warning;
 *     --helm-oidc FILE (eventAuth.oidc on): every event function and the notifier check
 *     EVENT_OIDC with their own audience, every Trigger and dead-letter sink names exactly that
 *     audience, and a function that POSTs to an event function directly gets a token for it.
 *   - --pg-values FILE (with --helm-prod: helmfile's values for bitnami/postgresql and the chart
 *     rendered with the same environment): max_connections leaves room for one pod of every
 *     PostgreSQL function at its full pool (PG_POOL_MAX), and read replicas match the primary.
 *
 *   tsx scripts/deploy/verify.ts [--helm FILE] [--helm-prod FILE [--pg-values FILE]] [--helm-oidc FILE] [--kn DIR]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { configSchema } from '../../platform/config.js';
import { workloads, workloadsOf } from '../../contracts/workloads.js';
import { workloadFile } from '../generate.js';
import { CONFIG_MAP, DEFAULT_IMAGE, broker, functions, notifier, root, subscriberRef, ticks, triggers } from './model.js';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
};

export function readObjects(path: string): K8sObject[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(path, f)).sort()
    : [path];
  const out: K8sObject[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      if (doc.errors.length) throw new Error(`${f}: ${doc.errors[0]!.message}`);
      const obj = doc.toJS() as K8sObject | null;
      if (obj && typeof obj === 'object' && obj.kind) out.push(obj);
    }
  }
  return out;
}

const isKsvc = (o: K8sObject) => o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1';
const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

export function check(errors: string[], ok: boolean, message: string): void {
  if (!ok) errors.push(message);
}

/** `a` has every label of `b` with the same value. */
const hasLabels = (a: K8sObject, b: K8sObject) => Object.entries(b.metadata.labels ?? {}).every(([k, v]) => a.metadata.labels?.[k] === v);

function countBy<T>(items: readonly T[], f: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(f(i), (m.get(f(i)) ?? 0) + 1);
  return m;
}

export function verifyCommitted(errors: string[]): { knative: K8sObject[]; eventing: K8sObject[] } {
  const knative = readObjects(join(root, 'knative'));
  const eventing = [...readObjects(join(root, 'eventing/broker.yaml')), ...readObjects(join(root, 'eventing/triggers.yaml'))];
  const fns = functions();

  const ksvcs = knative.filter(isKsvc);
  const byName = countBy(ksvcs, (o) => o.metadata.name);
  for (const fn of fns) {
    check(errors, byName.get(fn.name) === 1, `knative/: function ${fn.name} has ${byName.get(fn.name) ?? 0} Knative Services (want exactly 1)`);
    const svc = ksvcs.find((o) => o.metadata.name === fn.name);
    const c = (svc?.spec as { template?: { spec?: { containers?: { args?: string[] }[] } } } | undefined)?.template?.spec?.containers?.[0];
    if (svc) check(errors, isDeepStrictEqual(c?.args, fn.args), `knative/${fn.name}.yaml: args ${JSON.stringify(c?.args)} (want ${JSON.stringify(fn.args)})`);
    const bindings = knative.filter((o) => o.kind === 'SinkBinding' && (o.spec?.subject as { name?: string } | undefined)?.name === fn.name);
    check(errors, bindings.length === (fn.emits ? 1 : 0), `knative/: function ${fn.name} ${fn.emits ? 'emits events' : 'emits nothing'} but has ${bindings.length} SinkBindings`);
  }
  const known = new Set([...fns.map((f) => f.name), ...workloadsOf('tick-relay').map((w) => w.name)]);
  for (const o of ksvcs) check(errors, known.has(o.metadata.name), `knative/: Knative Service ${o.metadata.name} is not in the catalog`);
  // Every workload (contracts/workloads.ts) has its objects, once each.
  for (const w of workloads) {
    for (const want of workloadFile(w).objects as K8sObject[]) {
      const n = knative.filter((o) => key(o) === key(want) && o.apiVersion === want.apiVersion).length;
      check(errors, n === 1, `knative/: ${w.kind} ${w.name} has ${n} ${want.apiVersion} ${key(want)} (want exactly 1)`);
    }
  }

  const pings = knative.filter((o) => o.kind === 'PingSource');
  for (const t of ticks()) {
    const p = pings.filter((o) => o.metadata.name === t.name);
    check(errors, p.length === 1, `knative/ticks.yaml: tick ${t.name} has ${p.length} PingSources (want 1)`);
    check(errors, (p[0]?.spec as { schedule?: string } | undefined)?.schedule === t.cron, `knative/ticks.yaml: ${t.name} schedule is not ${t.cron}`);
  }
  check(errors, pings.length === ticks().length, `knative/ticks.yaml: ${pings.length} PingSources for ${ticks().length} ticks`);

  const trig = eventing.filter((o) => o.kind === 'Trigger');
  const trigCount = countBy(trig, (o) => o.metadata.name);
  for (const t of triggers()) {
    check(errors, trigCount.get(t.name) === 1, `eventing/triggers.yaml: subscription ${t.name} has ${trigCount.get(t.name) ?? 0} Triggers (want exactly 1)`);
    const o = trig.find((x) => x.metadata.name === t.name);
    if (!o) continue;
    const spec = o.spec as { filter?: { attributes?: unknown }; subscriber?: { ref?: unknown } };
    check(errors, isDeepStrictEqual(spec.filter?.attributes, t.filter), `eventing/triggers.yaml: ${t.name} filter differs from the catalog`);
    check(errors, isDeepStrictEqual(spec.subscriber?.ref, subscriberRef(t.subscriber)), `eventing/triggers.yaml: ${t.name} subscriber differs from the catalog`);
  }
  check(errors, trig.length === triggers().length, `eventing/triggers.yaml: ${trig.length} Triggers for ${triggers().length} subscriptions`);
  return { knative, eventing };
}

/** The chart with default values renders what knative/ and eventing/ hold. */
export function verifyHelm(errors: string[], rendered: K8sObject[], committed: K8sObject[], label: string): void {
  const byKey = countBy(rendered, key);
  for (const [k, n] of byKey) check(errors, n === 1, `${label}: ${k} rendered ${n} times`);
  const comparable = committed.filter((o) => ['Service', 'SinkBinding', 'Broker', 'Trigger', 'PingSource', 'RabbitmqBrokerConfig', 'Deployment', 'PodDisruptionBudget', 'ConfigMap', 'Job'].includes(o.kind));
  for (const want of comparable) {
    const got = rendered.find((o) => key(o) === key(want) && o.apiVersion === want.apiVersion);
    if (!got) {
      errors.push(`${label}: missing ${want.apiVersion} ${key(want)} (it is in the committed manifests)`);
      continue;
    }
    check(errors, hasLabels(got, want), `${label}: ${key(want)} lacks labels ${JSON.stringify(want.metadata.labels)}`);
    // The chart runs the migration Job as a Helm hook; the hook annotations are Helm's own.
    const gotAnnotations = Object.fromEntries(Object.entries(got.metadata.annotations ?? {}).filter(([k]) => !(want.kind === 'Job' && k.startsWith('helm.sh/'))));
    check(errors, isDeepStrictEqual(gotAnnotations, want.metadata.annotations ?? {}), `${label}: ${key(want)} annotations differ: ${JSON.stringify(got.metadata.annotations)} vs ${JSON.stringify(want.metadata.annotations)}`);
    let gotSpec: unknown = got.spec ?? got.data;
    const wantSpec: unknown = want.spec ?? want.data;
    // The chart stamps a config checksum on the notifier's and every function's pod template
    // (a changed ConfigMap rolls them); the committed manifests have no chart to hash. The
    // tick relay reads no ConfigMap.
    if (want.kind === 'Deployment' || (isKsvc(want) && functions().some((f) => f.name === want.metadata.name))) {
      const copy = structuredClone(got.spec) as { template: { metadata: { annotations?: Record<string, string> } } };
      const ann = copy.template.metadata.annotations;
      check(errors, /^[0-9a-f]{64}$/.test(ann?.['checksum/config'] ?? ''), `${label}: ${key(want)} has no checksum/config on its pod template`);
      if (ann) delete ann['checksum/config'];
      if (ann && Object.keys(ann).length === 0) delete copy.template.metadata.annotations;
      gotSpec = copy;
    }
    check(errors, isDeepStrictEqual(gotSpec, wantSpec), `${label}: ${want.apiVersion} ${key(want)} differs from the committed manifest:\n    chart:     ${JSON.stringify(gotSpec)}\n    committed: ${JSON.stringify(wantSpec)}`);
  }
  const committedKeys = new Set(committed.map(key));
  for (const o of rendered) {
    if (['Service', 'SinkBinding', 'Trigger', 'PingSource'].includes(o.kind)) {
      check(errors, committedKeys.has(key(o)), `${label}: renders ${key(o)}, which no committed manifest has`);
    }
  }
}

/** A differently-valued render still has one object per function / subscription. */
export function verifyCounts(errors: string[], rendered: K8sObject[], label: string): void {
  for (const fn of functions()) {
    const n = rendered.filter((o) => isKsvc(o) && o.metadata.name === fn.name).length;
    check(errors, n === 1, `${label}: function ${fn.name} has ${n} Knative Services`);
  }
  for (const t of triggers()) {
    const n = rendered.filter((o) => o.kind === 'Trigger' && o.metadata.name === t.name).length;
    check(errors, n === 1, `${label}: subscription ${t.name} has ${n} Triggers`);
  }
}

interface Container {
  image?: string;
  args?: string[];
  env?: { name: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: unknown;
  readinessProbe?: { httpGet?: { path?: string } };
  livenessProbe?: { httpGet?: { path?: string } };
}
interface KsvcSpec {
  template: { metadata?: { annotations?: Record<string, string> }; spec: { containerConcurrency?: number; timeoutSeconds?: number; containers: Container[] } };
}

/** What matters of a Knative Service for "kn deploys the same thing". */
export function essentials(o: K8sObject) {
  const t = (o.spec as unknown as KsvcSpec).template;
  const c = t.spec.containers[0]!;
  const ann = t.metadata?.annotations ?? {};
  return {
    image: c.image,
    args: c.args ?? [],
    env: (c.env ?? []).map((e) => e.name).sort(),
    envFrom: (c.envFrom ?? []).map((e) => (e.configMapRef ? `configmap:${e.configMapRef.name}` : `secret:${e.secretRef?.name}`)).sort(),
    scaling: Object.fromEntries(['min-scale', 'max-scale', 'target'].map((k) => [k, ann[`autoscaling.knative.dev/${k}`]])),
    containerConcurrency: t.spec.containerConcurrency,
    timeoutSeconds: t.spec.timeoutSeconds,
    probes: [c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path],
    resources: c.resources,
    visibility: o.metadata.labels?.['networking.knative.dev/visibility'] ?? 'public',
  };
}

export function verifyKn(errors: string[], knObjects: K8sObject[], committed: K8sObject[], image = DEFAULT_IMAGE): void {
  for (const fn of functions()) {
    const got = knObjects.filter((o) => isKsvc(o) && o.metadata.name === fn.name);
    const want = committed.find((o) => isKsvc(o) && o.metadata.name === fn.name);
    if (got.length !== 1 || !want) {
      errors.push(`kn: function ${fn.name}: ${got.length} Services from kn --target`);
      continue;
    }
    const a = essentials(got[0]!);
    const b = { ...essentials(want), image };
    for (const k of Object.keys(b) as (keyof typeof b)[]) {
      check(errors, isDeepStrictEqual(a[k], b[k]), `kn: ${fn.name}: ${k} ${JSON.stringify(a[k])} (knative/ has ${JSON.stringify(b[k])})`);
    }
  }
}

/** The warning the chart renders while events are not authenticated (templates/networkpolicies.yaml). */
export const UNAUTHENTICATED_WARNING = 'WARNING: eventAuth.oidc.enabled=false';

type Labels = Record<string, string>;
interface Peer {
  namespaceSelector?: { matchLabels?: Labels; matchExpressions?: unknown[] };
  podSelector?: { matchLabels?: Labels; matchExpressions?: unknown[] };
  ipBlock?: unknown;
}
interface PolicySpec {
  podSelector?: { matchLabels?: Labels; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  policyTypes?: string[];
  ingress?: { from?: Peer[]; ports?: unknown[] }[];
}
interface PodTemplate {
  metadata?: { labels?: Labels };
  spec?: { containers?: { env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string }[] }[]; volumes?: { name: string; projected?: { sources?: { serviceAccountToken?: { audience?: string; path?: string } }[] } }[] };
}

/** Does a NetworkPolicy's podSelector select pods with these labels? */
export function selects(policy: PolicySpec, labels: Labels): boolean {
  const sel = policy.podSelector ?? {};
  const byLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpr = (sel.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case 'Exists': return e.key in labels;
      case 'DoesNotExist': return !(e.key in labels);
      case 'In': return e.values?.includes(labels[e.key] ?? '\0') ?? false;
      case 'NotIn': return !(e.values?.includes(labels[e.key] ?? '\0') ?? false);
      default: return false;
    }
  });
  return byLabels && byExpr;
}

/** A peer is narrow when it names its pods by labels and, outside the release namespace, its namespace by name. */
const peerText = (p: Peer) => JSON.stringify(p);
function narrowPeer(p: Peer): boolean {
  if (p.ipBlock) return false;
  const pods = Object.keys(p.podSelector?.matchLabels ?? {}).length > 0;
  if (!p.namespaceSelector) return pods; // same namespace
  return pods && typeof p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] === 'string';
}

const templateOf = (o: K8sObject) => (o.spec as { template?: PodTemplate } | undefined)?.template ?? {};
const envOf = (o: K8sObject) => Object.fromEntries((templateOf(o).spec?.containers?.[0]?.env ?? []).map((e) => [e.name, e.value]));

/**
 * Who may deliver events in a render: the NetworkPolicies, and with `oidc` the receivers'
 * audiences against the Triggers' (see the file comment). `raw` is the render's text (the
 * warning is a YAML comment).
 */
export function verifyEventAuth(errors: string[], rendered: K8sObject[], raw: string, label: string, oidc: boolean): void {
  const policies = rendered.filter((o) => o.kind === 'NetworkPolicy');
  const fnPolicy = policies.find((o) => o.metadata.name === 'microride-functions');
  const notifierPolicy = policies.find((o) => o.metadata.name === 'microride-notifier');
  const ksvcs = rendered.filter(isKsvc);
  const notifierDeploy = rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === notifier.name);
  check(errors, !!fnPolicy, `${label}: no NetworkPolicy microride-functions`);
  check(errors, !!notifierPolicy || !notifierDeploy, `${label}: no NetworkPolicy microride-notifier`);
  for (const p of [fnPolicy, notifierPolicy]) {
    if (!p) continue;
    const spec = p.spec as PolicySpec;
    check(errors, isDeepStrictEqual(spec.policyTypes, ['Ingress']), `${label}: ${p.metadata.name} policyTypes ${JSON.stringify(spec.policyTypes)} (want [Ingress])`);
    const peers = (spec.ingress ?? []).flatMap((r) => r.from ?? []);
    check(errors, (spec.ingress ?? []).every((r) => (r.from ?? []).length > 0), `${label}: ${p.metadata.name} has an ingress rule without peers (open to all)`);
    for (const peer of peers) check(errors, narrowPeer(peer), `${label}: ${p.metadata.name} admits a broad peer ${peerText(peer)}`);
  }
  if (fnPolicy) {
    const spec = fnPolicy.spec as PolicySpec;
    for (const o of ksvcs) {
      check(errors, selects(spec, templateOf(o).metadata?.labels ?? {}), `${label}: NetworkPolicy microride-functions does not select ${o.metadata.name}'s pods`);
    }
    const namespaces = new Set((spec.ingress ?? []).flatMap((r) => r.from ?? []).map((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']));
    for (const want of ['knative-serving', 'kourier-system']) check(errors, namespaces.has(want), `${label}: function pods do not admit ${want}`);
    const apps = new Set((spec.ingress ?? []).flatMap((r) => r.from ?? []).map((p) => p.podSelector?.matchLabels?.app));
    for (const want of ['activator', 'autoscaler', '3scale-kourier-gateway']) check(errors, apps.has(want), `${label}: function pods do not admit app=${want}`);
  }
  if (notifierPolicy && notifierDeploy) {
    const spec = notifierPolicy.spec as PolicySpec;
    check(errors, selects(spec, templateOf(notifierDeploy).metadata?.labels ?? {}), `${label}: NetworkPolicy microride-notifier does not select the notifier's pods`);
    const dispatcher = { 'eventing.knative.dev/broker': broker.name, 'eventing.knative.dev/brokerRole': 'dispatcher' };
    const peers = (spec.ingress ?? []).flatMap((r) => r.from ?? []);
    check(errors, peers.some((p) => !p.namespaceSelector && isDeepStrictEqual(p.podSelector?.matchLabels, dispatcher)), `${label}: the notifier does not admit the Broker's dispatchers ${JSON.stringify(dispatcher)}`);
  }

  // Audiences: what each receiver checks, what each sender is told to send.
  const triggerList = rendered.filter((o) => o.kind === 'Trigger');
  const audienceOf = new Map<string, string | undefined>();
  for (const o of ksvcs) audienceOf.set(o.metadata.name, envOf(o).EVENT_OIDC_AUDIENCE);
  if (notifierDeploy) audienceOf.set(notifier.name, envOf(notifierDeploy).EVENT_OIDC_AUDIENCE);
  const eventFns = functions().filter((f) => f.kind === 'event').map((f) => f.name);
  const warned = raw.includes(UNAUTHENTICATED_WARNING);
  if (!oidc) {
    check(errors, warned, `${label}: events are not authenticated and the render does not say so (${UNAUTHENTICATED_WARNING})`);
    for (const o of [...ksvcs, ...(notifierDeploy ? [notifierDeploy] : [])]) check(errors, envOf(o).EVENT_OIDC === undefined, `${label}: ${o.metadata.name} sets EVENT_OIDC with eventAuth.oidc off`);
    for (const t of triggerList) check(errors, (t.spec as { subscriber?: { audience?: string } }).subscriber?.audience === undefined, `${label}: Trigger ${t.metadata.name} names an audience with eventAuth.oidc off`);
    return;
  }
  check(errors, !warned, `${label}: eventAuth.oidc is on but the render still warns that events are not authenticated`);
  const receivers = [...eventFns, ...(notifierDeploy ? [notifier.name] : [])];
  const seen = new Set<string>();
  for (const name of receivers) {
    const obj = name === notifier.name ? notifierDeploy : ksvcs.find((o) => o.metadata.name === name);
    if (!obj) continue;
    const env = envOf(obj);
    const aud = env.EVENT_OIDC_AUDIENCE;
    check(errors, env.EVENT_OIDC === 'on' && !!env.EVENT_OIDC_ISSUER && !!aud, `${label}: ${name} receives events but does not check their tokens (EVENT_OIDC ${env.EVENT_OIDC}, issuer ${env.EVENT_OIDC_ISSUER}, audience ${aud})`);
    check(errors, !aud || !seen.has(aud), `${label}: ${name} shares its audience ${aud} with another receiver (a token for one would open both)`);
    if (aud) seen.add(aud);
  }
  for (const t of triggerList) {
    const spec = t.spec as { subscriber?: { ref?: { name?: string }; audience?: string }; delivery?: { deadLetterSink?: { ref?: { name?: string }; audience?: string } } };
    const target = spec.subscriber?.ref?.name ?? '';
    if (!audienceOf.has(target) || (target !== notifier.name && !eventFns.includes(target))) continue; // the tick relay checks no token
    check(errors, spec.subscriber?.audience === audienceOf.get(target), `${label}: Trigger ${t.metadata.name} sends tokens for ${spec.subscriber?.audience}, ${target} checks ${audienceOf.get(target)}`);
    const dls = spec.delivery?.deadLetterSink;
    if (dls?.ref?.name) check(errors, dls.audience === audienceOf.get(dls.ref.name), `${label}: Trigger ${t.metadata.name}'s dead-letter sink audience ${dls.audience} is not ${dls.ref.name}'s ${audienceOf.get(dls.ref.name)}`);
  }
  // Direct calls to event functions carry a projected token for the callee's audience.
  for (const fn of functions()) {
    const callees = Object.values(fn.calls).filter((c) => eventFns.includes(c));
    if (!callees.length) continue;
    const o = ksvcs.find((k) => k.metadata.name === fn.name);
    if (!o) continue;
    const env = envOf(o);
    const sources = (templateOf(o).spec?.volumes ?? []).flatMap((v) => v.projected?.sources ?? []).map((src) => src.serviceAccountToken).filter((x) => !!x);
    const mount = templateOf(o).spec?.containers?.[0]?.volumeMounts?.find((m) => m.mountPath === env.EVENT_OIDC_CALL_TOKEN_DIR);
    check(errors, env.EVENT_OIDC === 'on' && !!mount, `${label}: ${fn.name} calls ${callees.join(', ')} directly but has no call-token directory mounted`);
    for (const c of callees) {
      check(errors, sources.some((src) => src.path === c && src.audience === audienceOf.get(c)), `${label}: ${fn.name} has no projected token for ${c}'s audience ${audienceOf.get(c)}`);
    }
  }
}

/** Connections PostgreSQL keeps for the migration Job and an operator's psql. */
export const PG_ADMIN_CONNECTIONS = 10;

const maxConnectionsOf = (conf: unknown): number | undefined => {
  const m = typeof conf === 'string' ? /^\s*max_connections\s*=\s*(\d+)\s*$/m.exec(conf) : null;
  return m ? Number(m[1]) : undefined;
};

/**
 * The server must take one pod of every PostgreSQL function (and the outbox relay's pods)
 * at its full pool: the smallest
 * footprint of a platform where each function has run once. Returns that budget.
 */
export function verifyPostgresBudget(errors: string[], pgValues: Record<string, unknown>, rendered: K8sObject[], label: string): number {
  const config = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === CONFIG_MAP) as { data?: Record<string, string> } | undefined;
  // The functions read PG_POOL_MAX through runtime/config.ts, default included.
  const poolMax = configSchema.shape.PG_POOL_MAX.parse(config?.data?.PG_POOL_MAX);
  // …plus the always-on outbox relay's pods, which hold their pool whether or not there is traffic.
  const relayPods = workloadsOf('outbox-relay').filter((w) => w.stores.includes('postgres')).reduce((n, w) => n + w.replicas, 0);
  const budget = (functions().filter((f) => f.stores.includes('postgres')).length + relayPods) * poolMax + PG_ADMIN_CONNECTIONS;
  const section = (k: string) => (pgValues[k] ?? {}) as Record<string, unknown>;
  const primary = maxConnectionsOf(section('primary').extendedConfiguration);
  check(errors, primary !== undefined, `${label}: primary.extendedConfiguration sets no max_connections`);
  if (primary !== undefined) {
    check(errors, primary >= budget, `${label}: max_connections ${primary} < ${budget} (one pod of each PostgreSQL function and outbox relay × PG_POOL_MAX ${poolMax} + ${PG_ADMIN_CONNECTIONS})`);
  }
  if (pgValues.architecture === 'replication') {
    // A hot standby does not start with fewer connections than its primary.
    const replica = maxConnectionsOf(section('readReplicas').extendedConfiguration);
    check(errors, replica === primary, `${label}: readReplicas max_connections ${replica} differs from the primary's ${primary}`);
  }
  return budget;
}

if (process.argv[1]?.endsWith('verify.ts')) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const errors: string[] = [];
  const { knative, eventing } = verifyCommitted(errors);
  const committed = [...knative, ...eventing];
  const done: string[] = [`knative/ + eventing/: ${functions().length} functions, ${triggers().length} subscriptions, ${ticks().length} ticks`];
  const helm = value('--helm');
  if (helm) {
    verifyHelm(errors, readObjects(helm), committed, 'helm template (default values)');
    verifyEventAuth(errors, readObjects(helm), readFileSync(helm, 'utf8'), 'helm template (default values)', false);
    done.push('chart (default values) = committed manifests; NetworkPolicies admit only the data plane; unauthenticated events are warned about');
  }
  const oidc = value('--helm-oidc');
  if (oidc) {
    verifyCounts(errors, readObjects(oidc), 'helm template (eventAuth.oidc on)');
    verifyEventAuth(errors, readObjects(oidc), readFileSync(oidc, 'utf8'), 'helm template (eventAuth.oidc on)', true);
    done.push('chart (eventAuth.oidc on): every receiver checks tokens for its own audience, every Trigger sends that audience');
  }
  const prod = value('--helm-prod');
  if (prod) {
    const rendered = readObjects(prod);
    verifyCounts(errors, rendered, 'helm template (prod values)');
    done.push('chart (prod values): one Service per function, one Trigger per subscription');
    const pg = value('--pg-values');
    if (pg) {
      const [values] = parseAllDocuments(readFileSync(pg, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
      const budget = verifyPostgresBudget(errors, values ?? {}, rendered, pg);
      done.push(`PostgreSQL max_connections covers one pod of every PostgreSQL function (${budget})`);
    }
  }
  const kn = value('--kn');
  if (kn) {
    verifyKn(errors, readObjects(kn), committed, value('--image') ?? DEFAULT_IMAGE);
    done.push('kn service create --target = knative/ (image, args, env, scaling, probes, resources)');
  }
  if (errors.length) {
    process.stderr.write(`${errors.length} problem(s):\n${errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`${done.map((d) => `ok  ${d}`).join('\n')}\n`);
}
