/**
 * What the simulator counts: ride outcomes, timings and errors, and the figures the status
 * line and the summary show. Plain counters; the agents call these as things happen.
 */

export const percentile = (sorted: readonly number[], q: number): number | null => {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[i]!;
};

const sortedCopy = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

export class Stats {
  readonly count = {
    quotes: 0,
    quotesRefused: 0,
    requested: 0,
    matched: 0,
    expired: 0,
    cancelledByRiderBeforeMatch: 0,
    cancelledByRiderAfterMatch: 0,
    cancelledByDriver: 0,
    cancelledAtEnd: 0,
    completed: 0,
    rated: 0,
    offers: 0,
    accepts: 0,
    declines: 0,
    acceptsLost: 0,
    pings: 0,
    fareQuoted: 0,
    fareMeasured: 0,
    apiCalls: 0,
    wsConnects: 0,
    /** `ride.driver_location` pushes the riders received (no id: not part of the replayed stream). */
    livePositions: 0,
  };
  /** Simulated seconds from the request to the driver's arrival. */
  readonly pickupWaits: number[] = [];
  /** Real milliseconds from the request to the rider's `ride.accepted`. */
  readonly matchTimes: number[] = [];
  readonly errors = new Map<string, number>();
  private readonly completions: number[] = [];
  /** Rides requested and not yet matched, expired or cancelled. */
  openRequests = 0;
  driversOnline = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  error(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  get errorCount(): number {
    let n = 0;
    for (const v of this.errors.values()) n += v;
    return n;
  }

  completedOne(): void {
    this.count.completed += 1;
    this.completions.push(this.now());
  }

  /** Completions over the last real minute (or since `since`, scaled to a minute, early on). */
  ridesPerMinute(since: number): number {
    const t = this.now();
    const from = Math.max(since, t - 60_000);
    while (this.completions.length > 0 && this.completions[0]! < t - 60_000) this.completions.shift();
    const span = Math.max(1_000, t - from);
    return (this.completions.filter((c) => c >= from).length * 60_000) / span;
  }

  /** Matched among the requests that have an outcome (matched, expired or cancelled before a driver took them). */
  matchRate(): number | null {
    const decided = this.count.matched + this.count.expired + this.count.cancelledByRiderBeforeMatch;
    return decided === 0 ? null : this.count.matched / decided;
  }

  pickupWait(q: number): number | null {
    return percentile(sortedCopy(this.pickupWaits), q);
  }

  matchTime(q: number): number | null {
    return percentile(sortedCopy(this.matchTimes), q);
  }
}
