/**
 * Prometheus text exposition for the notifier, written by hand: a handful of counters,
 * gauges and one histogram do not justify a client library in a pod sized per byte.
 */

type Labels = Record<string, string>;

const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join('\n');
  }
}

class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n');
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]! += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export interface MetricsSources {
  connections: () => number;
  users: () => number;
  inflightEvents: () => number;
}

/** One registry per notifier instance (two replicas in one test process must not share counts). */
export function createMetrics(sources: MetricsSources) {
  const m = {
    upgrades: new Counter('notifier_ws_upgrades_total', 'Websocket upgrade attempts by outcome (accepted, unauthorized, forbidden, bad_request, unavailable, aborted, error)'),
    closes: new Counter('notifier_ws_closes_total', 'Websocket closes by close code'),
    messagesSent: new Counter('notifier_messages_sent_total', 'Messages written to websockets, by path (live, catchup)'),
    slowConsumers: new Counter('notifier_slow_consumer_closes_total', 'Sockets closed because their unsent buffer passed NOTIFIER_MAX_BACKPRESSURE'),
    events: new Counter('notifier_events_total', 'CloudEvents received, by outcome (stored, duplicate, ignored, invalid, unauthenticated, failed, unavailable)'),
    stored: new Counter('notifier_stream_entries_total', 'Messages appended to per-user streams (one per recipient)'),
    fanout: new Counter('notifier_fanout_received_total', 'Fan-out publications received from Redis (all replicas)'),
    revocations: new Counter('notifier_revocation_closes_total', 'Sockets closed because their session was revoked, by path (pubsub, sweep)'),
    expiries: new Counter('notifier_token_expiry_closes_total', 'Sockets closed because their access token expired'),
    tooManyConnections: new Counter('notifier_too_many_connections_closes_total', 'Oldest sockets closed because their user passed NOTIFIER_MAX_SOCKETS_PER_USER on this replica'),
    livePositions: new Counter('notifier_live_positions_total', 'Live driver positions (ride.driver_location) from the live channel, by outcome (sent, dropped: the socket had unsent bytes)'),
    latency: new Histogram(
      'notifier_delivery_seconds',
      'Time from CloudEvent receipt (on any replica) to the websocket write',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    liveLatency: new Histogram(
      'notifier_live_delivery_seconds',
      'Time from a live position\'s publication (by tracking) to the websocket write',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    gauges: [
      new Gauge('notifier_ws_connections', 'Open websockets on this replica', sources.connections),
      new Gauge('notifier_ws_users', 'Distinct users with an open websocket on this replica', sources.users),
      new Gauge('notifier_inflight_events', 'CloudEvent deliveries being processed', sources.inflightEvents),
      new Gauge('process_resident_memory_bytes', 'Resident set size', () => process.memoryUsage.rss()),
      new Gauge('nodejs_heap_used_bytes', 'V8 heap in use', () => process.memoryUsage().heapUsed),
    ],
    render(): string {
      const all = [m.upgrades, m.closes, m.messagesSent, m.slowConsumers, m.events, m.stored, m.fanout, m.revocations, m.expiries, m.tooManyConnections, m.livePositions, m.latency, m.liveLatency, ...m.gauges];
      return `${all.map((x) => x.render()).join('\n')}\n`;
    },
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
