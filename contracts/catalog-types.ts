/**
 * Shapes of the function catalog. The catalog itself (catalog.ts) is plain data so the
 * gateway, the broker topology, the Knative manifests and the chart values can all be
 * derived from it without loading any handler code.
 */
export type Service = 'accounts' | 'drivers' | 'rides' | 'analysis' | 'matching' | 'tracking' | 'payments' | 'eventing';
export type Store = 'postgres' | 'redis' | 'mongo';
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Role = 'rider' | 'driver' | 'admin';

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
   * Functions this one calls directly over HTTP rather than through the broker, keyed by
   * the setting that holds the callee's base URL, e.g. `{ TRACKING_URL: 'tracking-distance' }`.
   * The deployment sets each to the callee's cluster-local address, the local platform to
   * where its gateway serves the callee.
   */
  calls?: Record<string, string>;
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
