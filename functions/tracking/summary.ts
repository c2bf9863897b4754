/**
 * What tracking knows about one ride: its parties, its highest lifecycle rank and the
 * times that bound its trace. Kept live in Redis (ride-state.ts); rebuilt here from the
 * MongoDB timeline for the rare read endpoint and for rides whose Redis keys expired.
 */
import { endsRide } from './lifecycle.js';
import type { TimelineDoc } from './store.js';

export interface RideSummary {
  rideId: string;
  riderId?: string;
  /** The assigned driver (the last one named, as events name them). */
  driverId?: string;
  /** Highest lifecycle rank seen; the status derives from it (lifecycle.ts). */
  rank: number;
  /** Earliest of each, as redeliveries and reorderings may bring several. */
  acceptedAt?: Date;
  startedAt?: Date;
  endedAt?: Date;
}

/** Oldest first; ties keep the lifecycle order, so a same-instant pair reads sensibly. */
export const byEventTime = (a: TimelineDoc, b: TimelineDoc) => a.at.getTime() - b.at.getTime() || a.rank - b.rank;

const earliest = (cur: Date | undefined, at: Date) => (!cur || at < cur ? at : cur);

/** The summary of a ride from its timeline documents; null when there are none. */
export function summaryFromTimeline(rideId: string, docs: readonly TimelineDoc[]): RideSummary | null {
  if (docs.length === 0) return null;
  const s: RideSummary = { rideId, rank: 0 };
  for (const d of [...docs].sort(byEventTime)) {
    if (d.riderId) s.riderId = d.riderId;
    if (d.driverId) s.driverId = d.driverId;
    s.rank = Math.max(s.rank, d.rank);
    if (d.type === 'microride.ride.accepted') s.acceptedAt = earliest(s.acceptedAt, d.at);
    if (d.type === 'microride.ride.started') s.startedAt = earliest(s.startedAt, d.at);
    if (endsRide(d.type)) s.endedAt = earliest(s.endedAt, d.at);
  }
  return s;
}
