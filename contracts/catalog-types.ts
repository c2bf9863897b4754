/**
 * Shapes of the catalog: the functions (catalog.ts) and the workloads that are not
 * functions (workloads.ts: the notifier, the tick relay, the migration job). Both are
 * plain data so the gateway, the broker topology, the Knative manifests, the chart values
 * and the bundles can all be derived from them without loading any handler code.
 */
export type Service = 'accounts' | 'drivers' | 'rides' | 'analysis' | 'matching' | 'tracking' | 'payments' | 'eventing' | 'ops';
export type Store = 'postgres' | 'redis' | 'mongo';
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Role = 'rider' | 'driver' | 'admin';
/** Keys of the Secret that holds store URLs and keys; a workload gets only those it needs. */
export type SecretKey = 'DATABASE_URL' | 'REDIS_URL' | 'MONGO_URL' | 'JWT_PUBLIC_KEY' | 'JWT_PRIVATE_KEY' | 'QUOTE_SECRET';

/** Knative autoscaling knobs; defaults live in catalog.ts. */
export interface Scaling {
  minScale: number;
  maxScale: number;
  /** autoscaling.knative.dev/target: concurrent requests per pod the autoscaler aims for. */
  target: number;
  containerConcurrency: number;
  timeoutSeconds: number;
}

/** Knative DeliverySpec subset (eventing.knative.dev/v1). */
export interface Delivery {
  retry: number;
  backoffPolicy: 'linear' | 'exponential';
  /** ISO-8601 duration, e.g. PT0.2S */
  backoffDelay: string;
}

export interface Subscription {
  /** Exact-match CloudEvent attribute filter, as in a Trigger's spec.filter.attributes. */
  filter: Record<string, string>;
  delivery?: Partial<Delivery>;
  /** Dispatcher parallelism (1 = ordered); eventing-rabbitmq's rabbitmq.eventing.knative.dev/parallelism. */
  parallelism?: number;
}

interface FunctionBase {
  name: string;
  service: Service;
  /** Module path relative to functions/, without extension, e.g. "accounts/register". */
  module: string;
  description: string;
  stores: Store[];
  /** CloudEvent types this function may emit (via the outbox or K_SINK). */
  emits: string[];
  scaling?: Partial<Scaling>;
  /** Needs the JWT signing key (only accounts). */
  signsTokens?: boolean;
  /**
   * Secrets it needs beyond its stores' URLs and the JWT keys. Least privilege: only the
   * quote's signer and its one verifier hold QUOTE_SECRET (test/deploy checks this against
   * what each bundle contains).
   */
  secrets?: SecretKey[];
  /**
   * Functions this one calls directly over HTTP rather than through the broker, keyed by
   * the setting that holds the callee's base URL, e.g. `{ TRACKING_URL: 'tracking-distance' }`.
   * The deployment sets each to the callee's cluster-local address, the local platform to
   * where its gateway serves the callee.
   */
  calls?: Record<string, string>;
  /**
   * Re-publishes stored events of any type to the Broker as they were (the dead-letter
   * replay): it needs K_SINK although it emits no type of its own.
   */
  republishes?: boolean;
}

export interface HttpFunction extends FunctionBase {
  kind: 'http';
  method: HttpMethod;
  /** OpenAPI path template, e.g. /api/v1/drivers/{id} */
  path: string;
  /** Who may call it: 'public' or the roles allowed. */
  auth: 'public' | 'user' | Role[];
}

export interface EventFunction extends FunctionBase {
  kind: 'event';
  subscriptions: Subscription[];
  /**
   * CloudEvent types POSTed to it directly by the functions that `calls` it (no Trigger):
   * where the caller needs the outcome before it can finish its own delivery.
   */
  accepts?: string[];
  /** Periodic trigger: a PingSource in the cluster, a timer in `npm start`. */
  schedule?: { cron: string; everySeconds: number };
}

export type FunctionSpec = HttpFunction | EventFunction;

// ── workloads that are not functions (contracts/workloads.ts) ────────────────────

/** Kubernetes container resources. */
export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * What starts a workload's process: a module (path from the repository root, without
 * extension) and, when importing it does not start anything, the exported function that does.
 */
export interface Entry {
  module: string;
  run?: string;
}

interface WorkloadBase {
  name: string;
  description: string;
  /** Its bundle in the image: path under dist/ without extension, e.g. "system/migrate". */
  bundle: string;
  entry: Entry;
  /** Stores it uses: its bundle holds only their drivers, and it gets their URLs as secrets. */
  stores: Store[];
  /** Secrets it needs beyond its stores' URLs. */
  secrets: SecretKey[];
}

/** A long-lived Deployment + Service (never scaled to zero) that the Broker delivers to. */
export interface NotifierWorkload extends WorkloadBase {
  kind: 'notifier';
  /** Container port of the websockets, health and metrics (NOTIFIER_PORT); the Service listens on the same number. */
  port: number;
  /**
   * Container port of the CloudEvent endpoint (NOTIFIER_EVENTS_PORT), apart from the
   * websockets; the Service's port 80, which is what the Triggers deliver to.
   */
  eventsPort: number;
  replicas: number;
  /** PodDisruptionBudget minAvailable. */
  minAvailable: number;
  resources: Resources;
  /** One Trigger each, named `<name>-<type>` (Trigger filters match exactly: one type per subscription). */
  subscriptions: Subscription[];
}

/**
 * The Knative Service that turns PingSource pings into the catalog's tick events: a Trigger
 * (`subscription`) hands it the pings, its reply goes back through the Broker.
 */
export interface TickRelayWorkload extends WorkloadBase {
  kind: 'tick-relay';
  scaling: Scaling;
  resources: Resources;
  subscription: Subscription;
}

/**
 * The always-on outbox relay: a Deployment (never scaled to zero, no Service) that relays
 * the outbox of every service in `relays` to the Broker (K_SINK by a SinkBinding).
 */
export interface OutboxRelayWorkload extends WorkloadBase {
  kind: 'outbox-relay';
  replicas: number;
  resources: Resources;
  /** Services whose outbox it drains. */
  relays: readonly Service[];
}

/** A run-to-completion Job (a Helm hook before install/upgrade; `kn-deploy.sh` waits for it). */
export interface JobWorkload extends WorkloadBase {
  kind: 'job';
  /** Services whose PostgreSQL schema it migrates, in this order (functions/migrations.ts is keyed by them). */
  migrates: readonly Service[];
  backoffLimit: number;
  ttlSecondsAfterFinished: number;
  /** Default: the functions' default resources. */
  resources?: Resources;
}

export type Workload = NotifierWorkload | TickRelayWorkload | JobWorkload | OutboxRelayWorkload;
export type WorkloadKind = Workload['kind'];
/** Everything the platform deploys. */
export type CatalogEntry = FunctionSpec | Workload;
