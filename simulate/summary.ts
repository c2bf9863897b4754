/** The figures a run ends with, as an object (for --json) and as text for a person. */
import type { Stats } from './stats.js';

export interface Summary {
  seed: string;
  drivers: number;
  riders: number;
  speed: number;
  setupSeconds: number;
  realMinutes: number;
  simulated: { from: string; to: string; minutes: number };
  rides: {
    quotes: number;
    quotesRefusedForSurge: number;
    requested: number;
    matched: number;
    expired: number;
    cancelledByRiderBeforeMatch: number;
    cancelledByRiderAfterMatch: number;
    cancelledByDriver: number;
    cancelledAtEnd: number;
    completed: number;
    rated: number;
    completedPerRealMinute: number;
    matchRate: number | null;
  };
  fares: { quoted: number; measured: number };
  driverSide: { offers: number; accepts: number; declines: number; acceptsLost: number; pings: number };
  pickupWaitMinutes: { p50: number | null; p99: number | null };
  matchSeconds: { p50: number | null; p99: number | null };
  apiCalls: number;
  websocketConnects: number;
  /** Live driver positions pushed to the riders. */
  livePositions: number;
  errors: { total: number; byKind: Record<string, number> };
}

const round = (v: number | null, digits = 1): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export function summarise(
  s: Stats,
  run: { seed: string; drivers: number; riders: number; speed: number; setupSeconds: number; realSeconds: number; from: string; to: string },
): Summary {
  const c = s.count;
  const wait = (q: number) => round(s.pickupWait(q) === null ? null : s.pickupWait(q)! / 60);
  const match = (q: number) => round(s.matchTime(q) === null ? null : s.matchTime(q)! / 1000, 2);
  return {
    seed: run.seed,
    drivers: run.drivers,
    riders: run.riders,
    speed: run.speed,
    setupSeconds: Math.round(run.setupSeconds),
    realMinutes: round(run.realSeconds / 60, 2)!,
    simulated: { from: run.from, to: run.to, minutes: Math.round((run.realSeconds * run.speed) / 60) },
    rides: {
      quotes: c.quotes,
      quotesRefusedForSurge: c.quotesRefused,
      requested: c.requested,
      matched: c.matched,
      expired: c.expired,
      cancelledByRiderBeforeMatch: c.cancelledByRiderBeforeMatch,
      cancelledByRiderAfterMatch: c.cancelledByRiderAfterMatch,
      cancelledByDriver: c.cancelledByDriver,
      cancelledAtEnd: c.cancelledAtEnd,
      completed: c.completed,
      rated: c.rated,
      completedPerRealMinute: round(run.realSeconds > 0 ? (c.completed * 60) / run.realSeconds : 0)!,
      matchRate: round(s.matchRate(), 3),
    },
    fares: { quoted: c.fareQuoted, measured: c.fareMeasured },
    driverSide: { offers: c.offers, accepts: c.accepts, declines: c.declines, acceptsLost: c.acceptsLost, pings: c.pings },
    pickupWaitMinutes: { p50: wait(50), p99: wait(99) },
    matchSeconds: { p50: match(50), p99: match(99) },
    apiCalls: c.apiCalls,
    websocketConnects: c.wsConnects,
    livePositions: c.livePositions,
    errors: { total: s.errorCount, byKind: Object.fromEntries(s.errors) },
  };
}

export function summaryText(x: Summary): string {
  const r = x.rides;
  const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 1000) / 10} %`);
  const num = (v: number | null, unit: string) => (v === null ? '–' : `${v} ${unit}`);
  const lines = [
    `simulated city, seed ${x.seed}: ${x.drivers} drivers, ${x.riders} riders, ${x.speed}× speed`,
    `  set-up ${x.setupSeconds} s; ran ${x.realMinutes} real minutes = ${x.simulated.minutes} simulated (${x.simulated.from} → ${x.simulated.to})`,
    `  quotes ${r.quotes} (${r.quotesRefusedForSurge} refused for surge), requests ${r.requested}, matched ${r.matched} (match rate ${pct(r.matchRate)}), expired ${r.expired}`,
    `  cancelled: by riders ${r.cancelledByRiderBeforeMatch} before and ${r.cancelledByRiderAfterMatch} after a driver took the ride, by drivers ${r.cancelledByDriver}, at the end of the run ${r.cancelledAtEnd}`,
    `  completed ${r.completed} (${r.completedPerRealMinute} per real minute), rated ${r.rated}; fares as quoted ${x.fares.quoted}, repriced from the measured trip ${x.fares.measured}`,
    `  drivers: ${x.driverSide.offers} offers, ${x.driverSide.accepts} accepted, ${x.driverSide.declines} declined, ${x.driverSide.acceptsLost} too late; ${x.driverSide.pings} location pings`,
    `  pickup wait (request → driver at the door, simulated): p50 ${num(x.pickupWaitMinutes.p50, 'min')}, p99 ${num(x.pickupWaitMinutes.p99, 'min')}`,
    `  match time (request → accepted, real): p50 ${num(x.matchSeconds.p50, 's')}, p99 ${num(x.matchSeconds.p99, 's')}`,
    `  API calls ${x.apiCalls}, websocket connects ${x.websocketConnects}, live positions received ${x.livePositions}, errors ${x.errors.total}`,
    ...Object.entries(x.errors.byKind).map(([k, v]) => `    ${v} × ${k}`),
  ];
  return lines.join('\n');
}
