/**
 * The deployment model: what each catalog function (contracts/catalog.ts) and each workload
 * (contracts/workloads.ts: the notifier, the tick relay, the migration job) becomes in the
 * cluster (bundle, env, scaling, probes, resources, visibility, K_SINK), the periodic
 * ticks, the HTTP routes. Derived from those two lists and contracts/triggers.ts only, and
 * shared by every deployment artefact so they cannot disagree:
 *   scripts/generate.ts         knative/*.yaml, eventing/*.yaml, charts/microride/values.yaml
 *   scripts/deploy/kn-plan.ts   the `kn` commands of scripts/kn-deploy.sh
 *   scripts/build.ts            the bundles (workloadBundle)
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, needsSink, scalingOf } from '../../contracts/catalog.js';
import type { FunctionSpec, HttpFunction, Resources, Scaling, SecretKey, Store, Workload } from '../../contracts/catalog-types.js';
import { broker, allTriggers, type TriggerDef } from '../../contracts/triggers.js';
import { workloadOf } from '../../contracts/workloads.js';
import { TICK_EXTENSION } from '../../platform/tick.js';
import { subscriberRef } from '../../eventing/manifests.js';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** Image name in the committed manifests; the chart and `kn-deploy.sh` take the real one. */
export const IMAGE_NAME = 'microride';
export const DEFAULT_IMAGE = `${IMAGE_NAME}:${version}`;

/** Non-secret settings shared by every function (envFrom). */
export const CONFIG_MAP = 'microride-env';
/** Store URLs and keys; each function gets only the keys it needs (env valueFrom). */
export const SECRET = 'microride-secrets';

/** The workloads the chart, the manifests and the `kn` plan deploy: one of each kind. */
export const notifier = workloadOf('notifier');
export const tickRelay = workloadOf('tick-relay');
export const migrationJob = workloadOf('job');
export const outboxRelay = workloadOf('outbox-relay');

export const NOTIFIER = notifier.name;
export const NOTIFIER_PORT = notifier.port;
/** Knative Service that turns PingSource pings into catalog tick events (see ticks()). */
export const TICK_RELAY = tickRelay.name;
/** CloudEvent extension on PingSource events naming the tick type to emit (the relay's own). */
export { TICK_EXTENSION };
/** What the tick relay's Trigger filters on: the one type a PingSource sends. */
export const PING_TYPE = tickRelay.subscription.filter.type!;

/** A workload's bundle in the image, e.g. dist/system/migrate.mjs. */
export const workloadBundle = (w: Pick<Workload, 'bundle'>) => `dist/${w.bundle}.mjs`;
/** A workload's short name: its bundle's file name (migrate, tick-relay, notifier). */
export const workloadShortName = (w: Pick<Workload, 'bundle'>) => basename(w.bundle);

export const partOf = { 'app.kubernetes.io/part-of': 'microride' };

const storeEnv: Record<Store, SecretKey> = { postgres: 'DATABASE_URL', redis: 'REDIS_URL', mongo: 'MONGO_URL' };

/** A workload's secret env: its stores' URLs, then the secrets its entry names. */
export function workloadSecretEnv(w: Pick<Workload, 'stores' | 'secrets'>): SecretKey[] {
  return [...new Set([...w.stores.map((s) => storeEnv[s]), ...w.secrets])];
}

/** Defaults the chart exposes as `defaults.*`; per-function overrides go in values. */
export const defaultResources: Resources = {
  requests: { cpu: '50m', memory: '96Mi' },
  limits: { cpu: '1', memory: '256Mi' },
};

export const probes = {
  readiness: { httpGet: { path: '/health/readiness' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
  liveness: { httpGet: { path: '/health/liveness' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
};

export const securityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export interface FunctionDeploy {
  name: string;
  service: string;
  kind: FunctionSpec['kind'];
  description: string;
  /** Path of the bundle inside the image (the container's args). */
  bundle: string;
  args: string[];
  /** Secret keys given as env (valueFrom secretKeyRef SECRET/key). */
  secretEnv: string[];
  /** Gets K_SINK from a SinkBinding (the function emits events). */
  emits: boolean;
  scaling: Scaling;
  /** cluster-local: reachable only inside the cluster (event functions and the dead-letter sink). */
  visibility: 'public' | 'cluster-local';
  http?: { method: HttpFunction['method']; path: string };
  stores: Store[];
  /** Functions it calls directly: setting → callee (catalog `calls`); see callEnv. */
  calls: Record<string, string>;
}

/**
 * The namespace the committed knative/ manifests assume in the addresses of functions that
 * others call directly (docs/deploy.md deploys into it). The chart and kn-deploy.sh use the
 * namespace they deploy to.
 */
export const MANIFEST_NAMESPACE = 'microride';

/** A Knative Service's cluster-local address (what a cluster-local or any Service answers at inside the cluster). */
export const clusterLocalUrl = (fn: string, namespace: string) => `http://${fn}.${namespace}.svc.cluster.local`;

/** The env of a function's direct calls: each setting = its callee's cluster-local address. */
export function callEnv(fn: Pick<FunctionDeploy, 'calls'>, namespace: string): { name: string; value: string }[] {
  return Object.entries(fn.calls).map(([name, callee]) => ({ name, value: clusterLocalUrl(callee, namespace) }));
}

export function functionDeploy(spec: FunctionSpec): FunctionDeploy {
  const bundle = `dist/functions/${spec.name}.mjs`;
  const secretEnv = [
    ...spec.stores.map((s) => storeEnv[s]),
    // Every function may verify access tokens; the JWKS function publishes the key.
    'JWT_PUBLIC_KEY',
    ...(spec.signsTokens ? ['JWT_PRIVATE_KEY'] : []),
    // Beyond stores and JWT keys, as the catalog entry declares (test/deploy checks them
    // against what each bundle contains).
    ...(spec.secrets ?? []),
  ];
  return {
    name: spec.name,
    service: spec.service,
    kind: spec.kind,
    description: spec.description,
    bundle,
    args: [bundle],
    secretEnv: [...new Set(secretEnv)],
    emits: needsSink(spec),
    scaling: scalingOf(spec),
    visibility: spec.kind === 'http' ? 'public' : 'cluster-local',
    http: spec.kind === 'http' ? { method: spec.method, path: spec.path } : undefined,
    stores: [...spec.stores],
    calls: { ...spec.calls },
  };
}

export const functions = (specs: readonly FunctionSpec[] = catalog): FunctionDeploy[] => specs.map(functionDeploy);

/** Every Trigger (catalog subscriptions and the notifier's), as contracts/triggers.ts defines them. */
export function triggers(specs: readonly FunctionSpec[] = catalog): TriggerDef[] {
  return allTriggers(specs);
}

/** Subscriber of a Trigger: a function's Knative Service, or the notifier's v1 Service (eventing/manifests.ts). */
export { subscriberRef };

export interface Tick {
  /** PingSource name. */
  name: string;
  cron: string;
  /** CloudEvent type the relay emits into the broker (what the scheduled functions' Triggers filter on). */
  type: string;
  functions: string[];
}

/**
 * Periodic events. A PingSource can only send `dev.knative.sources.ping`, and Triggers
 * filter on the catalog's tick type (e.g. microride.matching.tick), so the PingSource sends
 * to the Broker with the extension `microridetick: <type>`; a Trigger on pings delivers it
 * to the tick relay, whose reply (the catalog type, id derived from the ping's) goes back
 * through the Broker to every scheduled function. One PingSource per (type, cron):
 * two functions sweeping on the same tick share it.
 */
export function ticks(specs: readonly FunctionSpec[] = catalog): Tick[] {
  const byKey = new Map<string, Tick>();
  for (const fn of specs) {
    if (fn.kind !== 'event' || !fn.schedule) continue;
    const types = fn.subscriptions.map((s) => s.filter.type).filter((t): t is string => !!t);
    if (types.length === 0) throw new Error(`${fn.name} has a schedule but no subscription with a type filter to deliver the tick to`);
    for (const type of types) {
      const key = `${type}|${fn.schedule.cron}`;
      const existing = byKey.get(key);
      if (existing) existing.functions.push(fn.name);
      else byKey.set(key, { name: `${type.replace(/^microride\./, '').replace(/[._]/g, '-')}`, cron: fn.schedule.cron, type, functions: [fn.name] });
    }
  }
  const ticksList = [...byKey.values()];
  const names = new Set<string>();
  for (const t of ticksList) {
    if (names.has(t.name)) t.name = `${t.name}-${names.size}`;
    names.add(t.name);
  }
  return ticksList;
}

export const tickRelayBundle = workloadBundle(tickRelay);
export const migrateBundle = workloadBundle(migrationJob);
export const notifierBundle = workloadBundle(notifier);

export interface RouteGroup {
  /** HTTPRoute name. */
  name: string;
  rules: { function: string; method: string; pathType: 'Exact' | 'RegularExpression'; path: string }[];
}

/** Gateway API allows 16 rules per HTTPRoute: one HTTPRoute per service. */
export const MAX_RULES_PER_ROUTE = 16;

export function pathMatch(openapiPath: string): { pathType: 'Exact' | 'RegularExpression'; path: string } {
  if (!openapiPath.includes('{')) return { pathType: 'Exact', path: openapiPath };
  const re = openapiPath
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return { pathType: 'RegularExpression', path: re };
}

export function routeGroups(specs: readonly FunctionSpec[] = catalog): RouteGroup[] {
  const groups = new Map<string, RouteGroup>();
  for (const fn of specs) {
    if (fn.kind !== 'http') continue;
    const g = groups.get(fn.service) ?? { name: `microride-${fn.service}`, rules: [] };
    g.rules.push({ function: fn.name, method: fn.method.toUpperCase(), ...pathMatch(fn.path) });
    groups.set(fn.service, g);
  }
  for (const g of groups.values()) {
    if (g.rules.length > MAX_RULES_PER_ROUTE) {
      throw new Error(`${g.name}: ${g.rules.length} HTTP functions, more than the ${MAX_RULES_PER_ROUTE} rules an HTTPRoute may hold; split the route (scripts/deploy/model.ts)`);
    }
  }
  return [...groups.values()];
}

export { broker };
