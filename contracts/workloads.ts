/**
 * What the platform deploys besides the catalog functions: one entry per workload, each of
 * its own kind. With contracts/catalog.ts this is the whole deployment model; the Knative
 * manifests, the chart values, the Triggers, the `kn` plan and the bundles
 * (scripts/generate.ts, scripts/deploy/, scripts/build.ts) are derived from both lists.
 *
 *   notifier    a Deployment + Service (never scaled to zero) with one Trigger per pushed type
 *   tick-relay  the Knative Service that turns PingSource pings into the catalog's tick events
 *   job         the schema migrations, run to completion before the functions roll
 *   outbox-relay  a Deployment (never scaled to zero) relaying every service's outbox, so an
 *               event whose publish on commit failed does not wait for that service's next pod
 *
 * Plain data, like the catalog. (The catalog does not re-export this list: the event
 * catalog reads the function catalog, and this list reads the notifier's event types.)
 */
import { catalog } from './catalog.js';
import type { CatalogEntry, Service, Workload, WorkloadKind } from './catalog-types.js';
import { NOTIFIED_TYPES } from './notifier.js';
import { OUTBOX_SERVICES } from './outbox.js';

/** Services that keep state in PostgreSQL: each owns a schema the migration job migrates. */
export const MIGRATED_SERVICES = ['accounts', 'drivers', 'rides', 'payments', 'eventing'] as const satisfies readonly Service[];
export type MigratedService = (typeof MIGRATED_SERVICES)[number];

export const workloads: readonly Workload[] = [
  {
    kind: 'notifier',
    name: 'notifier',
    description: 'Pushes ride and payment events to riders’ and drivers’ websockets; long-lived, replay and fan-out in Redis',
    bundle: 'notifier',
    entry: { module: 'notifier/main' },
    stores: ['redis'],
    // It verifies the access token of every websocket upgrade.
    secrets: ['JWT_PUBLIC_KEY'],
    port: 8081,
    eventsPort: 8084,
    replicas: 2,
    minAvailable: 1,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    // notifier/routing.ts says who receives each type. Every event is idempotent there
    // (dedupe on source+id) and order is restored per user by the stream ids, so deliveries
    // may run in parallel; retries are short because a notification that is late by seconds
    // is worth much less.
    subscriptions: NOTIFIED_TYPES.map((type) => ({
      filter: { type },
      parallelism: 64,
      delivery: { retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' },
    })),
  },
  {
    kind: 'job',
    name: 'microride-migrate',
    description: 'Applies every service’s schema migrations, then exits (functions/migrate-job.ts; also `npm run migrate`)',
    bundle: 'system/migrate',
    entry: { module: 'functions/migrate-job', run: 'runMigrateJob' },
    stores: ['postgres'],
    secrets: [],
    migrates: MIGRATED_SERVICES,
    backoffLimit: 6,
    ttlSecondsAfterFinished: 3600,
  },
  {
    kind: 'tick-relay',
    name: 'microride-tick',
    description: 'Turns PingSource pings into the catalog tick events (reply to the Broker)',
    bundle: 'system/tick-relay',
    entry: { module: 'platform/tick-relay', run: 'runTickRelay' },
    stores: [],
    secrets: [],
    // Plain node:http, no store: it starts in milliseconds, and one pod is plenty.
    scaling: { minScale: 0, maxScale: 1, target: 100, containerConcurrency: 0, timeoutSeconds: 10 },
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
    // A PingSource can only send this type; its extension names the tick to emit.
    subscription: { filter: { type: 'dev.knative.sources.ping' }, delivery: { retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S' } },
  },
  {
    kind: 'outbox-relay',
    name: 'microride-outbox-relay',
    description: 'Publishes outbox rows the committing pod did not get to the Broker, for every service, scaled to zero or not',
    bundle: 'system/outbox-relay',
    entry: { module: 'platform/outbox-relay-process', run: 'runOutboxRelay' },
    stores: ['postgres'],
    secrets: [],
    // Rows are claimed FOR UPDATE SKIP LOCKED, so a second replica (during a rollout) is safe.
    replicas: 1,
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    relays: OUTBOX_SERVICES,
  },
];

/** Every function and workload: names are unique across both (they name Kubernetes objects). */
export const entries: readonly CatalogEntry[] = [...catalog, ...workloads];

export type WorkloadOf<K extends WorkloadKind> = Extract<Workload, { kind: K }>;

/** The workloads of one kind. */
export function workloadsOf<K extends WorkloadKind>(kind: K, list: readonly Workload[] = workloads): WorkloadOf<K>[] {
  return list.filter((w): w is WorkloadOf<K> => w.kind === kind);
}

/** The one workload of a kind (the chart has one notifier, one tick relay, one migration job). */
export function workloadOf<K extends WorkloadKind>(kind: K, list: readonly Workload[] = workloads): WorkloadOf<K> {
  const found = workloadsOf(kind, list);
  if (found.length !== 1) throw new Error(`contracts/workloads.ts must have exactly one workload of kind "${kind}" (it has ${found.length})`);
  return found[0]!;
}
