/**
 * The admin-only operations channel (`GET /ops`, websocket): once a second, while at least
 * one console is connected to this replica, it reads the city's state from Redis and sends
 * each console what changed. Nothing runs while nobody watches.
 *
 * What it reads per tick (three round trips, whatever the number of consoles):
 *   - every driver who reported a position in the last 10 minutes, with status and
 *     position, from tracking's live index (one Lua call, liveSnapshot);
 *   - the open and active rides, the per-minute counters, the pickup waits and the new
 *     feed entries from the ops read model (ops-record.ts), one pipeline;
 *   - the presented surge of the market cells where drivers or pickups are (analysis).
 * What it sends: one JSON frame per tick, the same text to every console. Drivers go as
 * changes since the previous tick (and the ids that left the map); rides and market cells
 * only when they changed; KPIs and new feed entries every time. A console that just
 * connected, or whose socket buffered more than it should, gets a full frame instead.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import { geohashBounds, cellOf } from '../platform/geo.js';
import { liveSnapshot, type LiveSnapshotEntry } from '../functions/tracking/live-index.js';
import { presentedSurges } from '../functions/analysis/surge.js';
import type { WebSocket } from './native.js';
import { COUNTED, OPS_WINDOW_MINUTES, opsKeys, type CountedKind, type FeedEntry } from './ops-record.js';
import { computeKpis, type Kpis } from './ops-kpis.js';

/** Drivers silent for longer leave the map. */
export const MAP_WINDOW_MS = 10 * 60_000;
const FEED_BATCH = 200;

export interface OpsConn {
  readonly userId: string;
  readonly sessionId: string;
  readonly expiresAt: number;
  ws: WebSocket<OpsConn> | undefined;
  /** Sent a full frame at the next tick (new, or it fell behind). */
  needsFull: boolean;
  closed: boolean;
  timer: NodeJS.Timeout | undefined;
}

export const newOpsConn = (p: { userId: string; sessionId: string; expiresAt: number }): OpsConn => ({
  ...p, ws: undefined, needsFull: true, closed: false, timer: undefined,
});

/** A ride on the map: [id, status, pickupLat, pickupLon, dropoffLat, dropoffLon, driverId]. */
export type RideRow = [string, string, number | null, number | null, number | null, number | null, string | null];
/** A driver on the map: [id, status, lat, lon, at ms]. */
export type DriverRow = [string, string, number, number, number];
/** A shaded market cell: [geohash, multiplier, minLat, minLon, maxLat, maxLon]. */
export type CellRow = [string, number, number, number, number, number];

export interface OpsFrame {
  t: 'frame';
  full: boolean;
  now: number;
  drivers: DriverRow[];
  gone: string[];
  rides?: RideRow[];
  cells?: CellRow[];
  kpis: Kpis;
  feed: FeedEntry[];
}

interface TickState {
  drivers: Map<string, DriverRow>;
  rides: RideRow[];
  ridesText: string;
  cells: CellRow[];
  cellsText: string;
  kpis: Kpis;
  feed: FeedEntry[];
}

interface RideRecord {
  status?: string;
  pickup?: [number, number];
  dropoff?: [number, number];
  driverId?: string;
}

export interface OpsHubOptions {
  redis: Redis;
  log: Logger;
  intervalMs?: number;
  /** Unsent bytes after which a console skips deltas and is sent a full frame later. */
  maxBackpressure: number;
}

export class OpsHub {
  private readonly conns = new Set<OpsConn>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastFeedId = '$';
  private prev: TickState | undefined;
  /** The last feed entries, for a console's first (full) frame. */
  private recent: FeedEntry[] = [];
  /** Ticks run and how long they took (the bench reads these). */
  readonly stats = { ticks: 0, tickMs: 0, bytesSent: 0 };

  constructor(private readonly o: OpsHubOptions) {}

  get connections(): number {
    return this.conns.size;
  }

  attach(conn: OpsConn, ws: WebSocket<OpsConn>, onExpired: () => void): void {
    conn.ws = ws;
    this.conns.add(conn);
    const ms = conn.expiresAt * 1000 - Date.now();
    conn.timer = setTimeout(onExpired, Math.max(0, ms));
    conn.timer.unref();
    if (!this.timer) this.start();
  }

  detach(conn: OpsConn): void {
    conn.closed = true;
    if (conn.timer) clearTimeout(conn.timer);
    this.conns.delete(conn);
    if (this.conns.size === 0) this.stop();
  }

  /** Sockets of a revoked session. */
  bySession(sessionId: string): OpsConn[] {
    return [...this.conns].filter((c) => c.sessionId === sessionId);
  }

  all(): OpsConn[] {
    return [...this.conns];
  }

  private start(): void {
    // The feed starts at the stream's end: a console sees what happens from now on (its
    // full frame carries the last entries for context).
    this.lastFeedId = '$';
    this.prev = undefined;
    this.recent = [];
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs ?? 1000);
    this.timer.unref();
    void this.tick();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.prev = undefined;
  }

  private async tick(): Promise<void> {
    if (this.running || this.conns.size === 0) return; // a slow Redis: skip, never pile up
    this.running = true;
    const started = performance.now();
    try {
      const state = await this.read(Date.now());
      this.send(state);
      this.prev = state;
    } catch (err) {
      this.o.log.warn({ err }, 'ops channel tick failed');
    } finally {
      this.running = false;
      this.stats.ticks += 1;
      this.stats.tickMs += performance.now() - started;
    }
  }

  private async read(now: number): Promise<TickState> {
    const { redis } = this.o;
    const minute = Math.floor(now / 60_000);
    const kinds = Object.values(COUNTED) as CountedKind[];
    const counterKeys = kinds.flatMap((k) => Array.from({ length: OPS_WINDOW_MINUTES }, (_, i) => opsKeys.count(k, minute - i)));
    const firstFeed = this.lastFeedId === '$';
    const [snapshot, results] = await Promise.all([
      liveSnapshot(now - MAP_WINDOW_MS),
      redis
        .pipeline()
        .hgetall(opsKeys.rides())
        .mget(...counterKeys)
        .zrangebyscore(opsKeys.waits(), now - OPS_WINDOW_MINUTES * 60_000, '+inf')
        .xrevrange(opsKeys.feed(), '+', '-', 'COUNT', firstFeed ? 50 : FEED_BATCH)
        .exec(),
    ]);
    const value = (i: number): unknown => {
      const [err, v] = results?.[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      return v;
    };
    const rideHash = value(0) as Record<string, string>;
    const counts = value(1) as (string | null)[];
    const waits = value(2) as string[];
    const feedRaw = value(3) as [string, string[]][];

    const drivers = new Map<string, DriverRow>();
    for (const d of snapshot) drivers.set(d.driverId, toDriverRow(d));
    const rides: RideRow[] = [];
    for (const [id, json] of Object.entries(rideHash)) {
      let r: RideRecord;
      try {
        r = JSON.parse(json) as RideRecord;
      } catch {
        continue;
      }
      rides.push([id, r.status ?? 'requested', r.pickup?.[0] ?? null, r.pickup?.[1] ?? null, r.dropoff?.[0] ?? null, r.dropoff?.[1] ?? null, r.driverId ?? null]);
    }
    rides.sort((a, b) => (a[0] < b[0] ? -1 : 1));

    // Feed entries newer than the last tick's, oldest first.
    const feed: FeedEntry[] = [];
    let newest = this.lastFeedId;
    for (const [id, fields] of feedRaw) {
      if (!firstFeed && compareStreamIds(id, this.lastFeedId) <= 0) break;
      if (newest === '$' || compareStreamIds(id, newest) > 0) newest = id;
      const m = fields[1];
      if (fields[0] === 'm' && m) {
        try {
          feed.push(JSON.parse(m) as FeedEntry);
        } catch {
          // a malformed entry is skipped, the feed goes on
        }
      }
    }
    feed.reverse();
    this.lastFeedId = newest === '$' ? '0-0' : newest;

    const byKind = {} as Record<CountedKind, number[]>;
    kinds.forEach((k, ki) => {
      byKind[k] = Array.from({ length: OPS_WINDOW_MINUTES }, (_, i) => Number(counts[ki * OPS_WINDOW_MINUTES + i] ?? 0) || 0);
    });
    const kpis = computeKpis({
      now,
      drivers: snapshot,
      rides: rides.map((r) => ({ status: r[1] })),
      counts: byKind,
      waitsMs: waits.map((w) => Number(w.slice(w.lastIndexOf(':') + 1))).filter(Number.isFinite),
    });

    // Market cells where something is: drivers' and pickups' cells.
    const cellSet = new Set<string>();
    for (const d of snapshot) if (now - d.at <= MAP_WINDOW_MS) cellSet.add(cellOf(d.lat, d.lon));
    for (const r of rides) if (r[2] !== null && r[3] !== null) cellSet.add(cellOf(r[2], r[3]));
    const surges = await presentedSurges('economy', [...cellSet].sort());
    const cells: CellRow[] = [];
    for (const [cell, m] of surges) {
      const b = geohashBounds(cell);
      cells.push([cell, m, b.minLat, b.minLon, b.maxLat, b.maxLon]);
    }
    return { drivers, rides, ridesText: JSON.stringify(rides), cells, cellsText: JSON.stringify(cells), kpis, feed };
  }

  private send(s: TickState): void {
    const prev = this.prev;
    this.recent = [...this.recent, ...s.feed].slice(-100);
    let fullText: string | undefined;
    const full = (): string =>
      (fullText ??= JSON.stringify({ t: 'frame', full: true, now: Date.now(), drivers: [...s.drivers.values()], gone: [], rides: s.rides, cells: s.cells, kpis: s.kpis, feed: this.recent } satisfies OpsFrame));
    let deltaText: string | undefined;
    const delta = (): string => {
      if (deltaText !== undefined) return deltaText;
      const changed: DriverRow[] = [];
      const gone: string[] = [];
      for (const [id, row] of s.drivers) {
        const was = prev?.drivers.get(id);
        if (!was || was[1] !== row[1] || was[4] !== row[4] || was[2] !== row[2] || was[3] !== row[3]) changed.push(row);
      }
      if (prev) for (const id of prev.drivers.keys()) if (!s.drivers.has(id)) gone.push(id);
      const frame: OpsFrame = { t: 'frame', full: false, now: Date.now(), drivers: changed, gone, kpis: s.kpis, feed: s.feed };
      if (!prev || prev.ridesText !== s.ridesText) frame.rides = s.rides;
      if (!prev || prev.cellsText !== s.cellsText) frame.cells = s.cells;
      return (deltaText = JSON.stringify(frame));
    };
    for (const conn of this.conns) {
      const ws = conn.ws;
      if (!ws || conn.closed) continue;
      if (ws.getBufferedAmount() > this.o.maxBackpressure) {
        conn.needsFull = true; // skip deltas until it drains; then start over from a full frame
        continue;
      }
      const text = conn.needsFull || !prev ? full() : delta();
      conn.needsFull = false;
      this.stats.bytesSent += text.length;
      ws.send(text, false, false);
    }
  }
}

function toDriverRow(d: LiveSnapshotEntry): DriverRow {
  return [d.driverId, d.status ?? 'offline', Math.round(d.lat * 1e6) / 1e6, Math.round(d.lon * 1e6) / 1e6, d.at];
}

function compareStreamIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
