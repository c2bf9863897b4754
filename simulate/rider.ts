/**
 * One simulated rider: between rides waits a while (shorter at the busy hours), then asks
 * for a price from a place the hour's hotspots favour, refuses a surge above their
 * tolerance, requests, may give up waiting or cancel on a whim, tells the driver the
 * pickup code, and rates most rides after they end. The ride's progress comes from the
 * websocket; a quiet spell is covered by reading the ride.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { NetworkError } from './api.js';
import { toLatLon } from './city.js';
import { cityDemand, tripAt } from './hotspots.js';
import { pickClass, SIM_PASSWORD, type RiderProfile } from './population.js';
import type { Rng } from './prng.js';
import { Session } from './session.js';
import { connect, type AppSocket, type Push } from './socket.js';
import { sleep, type World } from './world.js';

/** Simulated minutes between a rider's rides at an average hour. */
export const MEAN_GAP_MINUTES = 60;
/** Without a push for this long (real ms), the rider reads the ride instead. */
const QUIET_MS = 30_000;

const RANK: Record<string, number> = { requested: 0, matching: 0, accepted: 1, arrived: 2, in_progress: 3, completed: 4, cancelled: 9, expired: 9 };
const PUSHED: Record<string, string> = {
  'microride.ride.accepted': 'accepted',
  'microride.ride.driver_arrived': 'arrived',
  'microride.ride.started': 'in_progress',
  'microride.ride.completed': 'completed',
  'microride.ride.cancelled': 'cancelled',
  'microride.ride.expired': 'expired',
};
const TERMINAL = new Set(['completed', 'cancelled', 'expired']);

const quoteSchema = z.object({ quoteId: z.string(), surgeMultiplier: z.number() });
const rideSchema = z.object({
  id: z.string(),
  status: z.string(),
  pickupCode: z.string().optional(),
  cancellation: z.object({ by: z.string() }).nullable().optional(),
});
const listSchema = z.object({ items: z.array(rideSchema) });

/** The run is over and the rider's app closed: whatever it was waiting for no longer matters. */
class RunOver extends Error {}

interface Current {
  id: string;
  status: string;
  cancelledBy?: string;
  pickupCode?: string;
  /** Withdrawn because the run ended: counted as such, not as the rider's choice. */
  endOfRun?: boolean;
  changed: (() => void)[];
}

export class Rider {
  readonly session: Session;
  private socket: AppSocket | undefined;
  private current: Current | undefined;
  private rides = 0;
  private life: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly world: World, readonly profile: RiderProfile, private readonly rng: Rng) {
    this.session = new Session(world.api, world.stats, { email: profile.email, password: SIM_PASSWORD, name: profile.name, role: 'rider' });
  }

  private get token() {
    return this.session.token;
  }

  /** `known`: the seed's accounts exist from an earlier run (sign in before trying to register). */
  async setUp(known = false): Promise<'created' | 'existed'> {
    const account = await this.session.open(sleep, known);
    this.socket = await connect(this.world.wsUrl, this.session, this.world.stats, (p) => this.onPush(p));
    // A request an earlier run left open would make every new one a 409 (one active ride per rider).
    if (account === 'existed') await this.clearLeftovers();
    return account;
  }

  private async clearLeftovers(): Promise<void> {
    const res = await this.world.api.call('GET /rides', 'GET', '/api/v1/rides?limit=5', { token: this.token });
    const list = listSchema.safeParse(res.body);
    if (res.status !== 200 || !list.success) return this.world.stats.error(`GET /rides ${res.status}`);
    for (const r of list.data.items) {
      if (['requested', 'matching', 'accepted', 'arrived'].includes(r.status)) {
        await this.world.api.call('POST /rides/{id}/cancel', 'POST', `/api/v1/rides/${r.id}/cancel`, { token: this.token, body: { reason: 'simulation restarted' } });
      }
    }
  }

  start(): void {
    this.life = this.live();
  }

  /** Resolves when the rider's current ride (if any) has ended and no new one will start. */
  done(): Promise<void> {
    return this.life ?? Promise.resolve();
  }

  private async live(): Promise<void> {
    const { clock } = this.world;
    // The first wait is drawn like the others, so the city does not start with a stampede.
    while (!this.world.stopping) {
      const gap = this.rng.exponential((MEAN_GAP_MINUTES * 60) / cityDemand(clock.hour()));
      await this.waitOrStop(clock.realMs(gap));
      if (this.world.stopping) return;
      try {
        await this.ride();
      } catch (err) {
        if (err instanceof RunOver) return;
        this.world.stats.error(err instanceof NetworkError ? `${err.op} network` : `rider: ${(err as Error).message}`);
      }
    }
  }

  /** Sleeps, but wakes within a second of the run winding down. */
  private async waitOrStop(ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (!this.world.stopping && performance.now() < until) await sleep(Math.min(1_000, until - performance.now()));
  }

  private onPush(p: Push): void {
    const status = PUSHED[p.type];
    const cur = this.current;
    if (!status || !cur || p.rideId !== cur.id) return;
    if (status === 'cancelled' && typeof p.data.by === 'string') cur.cancelledBy = p.data.by;
    if (status === 'accepted' && typeof p.data.pickupCode === 'string') cur.pickupCode = p.data.pickupCode;
    this.advance(cur, status);
  }

  private advance(cur: Current, status: string): void {
    if ((RANK[status] ?? -1) <= (RANK[cur.status] ?? -1)) return;
    cur.status = status;
    for (const f of cur.changed.splice(0)) f();
  }

  /** Reads the ride: covers a push that has not come (yet). */
  private async read(cur: Current): Promise<void> {
    const res = await this.world.api.call('GET /rides/{id}', 'GET', `/api/v1/rides/${cur.id}`, { token: this.token });
    const ride = rideSchema.safeParse(res.body);
    if (res.status !== 200 || !ride.success) return this.world.stats.error(`GET /rides/{id} ${res.status}`);
    if (ride.data.pickupCode) cur.pickupCode = ride.data.pickupCode;
    if (ride.data.cancellation) cur.cancelledBy = ride.data.cancellation.by;
    this.advance(cur, ride.data.status);
  }

  /** Waits until the ride is at least at `rank` (or over), or `timeoutMs` passed: the status then. */
  private async until(cur: Current, rank: number, timeoutMs = Infinity): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while ((RANK[cur.status] ?? -1) < rank && !TERMINAL.has(cur.status)) {
      if (this.closed) throw new RunOver();
      const left = deadline - performance.now();
      if (left <= 0) return 'timeout';
      const changed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.min(QUIET_MS, left));
        cur.changed.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!changed && deadline - performance.now() > 0) await this.read(cur);
    }
    return cur.status;
  }

  private async cancel(cur: Current, reason: string): Promise<boolean> {
    const res = await this.world.api.call('POST /rides/{id}/cancel', 'POST', `/api/v1/rides/${cur.id}/cancel`, { token: this.token, body: { reason } });
    if (res.status === 200) {
      cur.cancelledBy = 'rider';
      this.advance(cur, 'cancelled');
      return true;
    }
    // 409: the ride moved on meanwhile (a driver took it, it expired, the trip started).
    if (res.status !== 409) this.world.stats.error(`POST /rides/{id}/cancel ${res.status}`);
    return false;
  }

  private async ride(): Promise<void> {
    const { api, stats, clock } = this.world;
    const trip = tripAt(clock.hour(), this.rng);
    const vehicleClass = pickClass(this.rng);
    const quote = await api.call('POST /quotes', 'POST', '/api/v1/quotes', {
      token: this.token,
      body: { pickup: toLatLon(trip.pickup), dropoff: toLatLon(trip.dropoff), vehicleClass },
    });
    stats.count.quotes += 1;
    const q = quoteSchema.safeParse(quote.body);
    if (quote.status !== 200 || !q.success) return stats.error(`POST /quotes ${quote.status}`);
    // Above their tolerance most riders walk away; a few pay anyway.
    if (q.data.surgeMultiplier > this.profile.surgeTolerance && this.rng.chance(0.8)) {
      stats.count.quotesRefused += 1;
      return;
    }
    const whim = this.rng.chance(this.profile.whimCancelRate);
    const whimAfter = this.rng.between(20, 240);
    const givesUp = this.rng.chance(0.6);
    await sleep(clock.realMs(this.rng.between(3, 20)));
    if (this.world.stopping) return;

    this.rides += 1;
    const requestedAt = performance.now();
    const req = await api.call('POST /rides', 'POST', '/api/v1/rides', {
      token: this.token,
      body: { quoteId: q.data.quoteId },
      headers: { 'idempotency-key': `sim-${this.world.runId}-r${this.profile.index}-${this.rides}` },
    });
    const created = rideSchema.safeParse(req.body);
    if ((req.status !== 201 && req.status !== 200) || !created.success) return stats.error(`POST /rides ${req.status}`);
    const cur: Current = { id: created.data.id, status: created.data.status, changed: [] };
    this.current = cur;
    stats.count.requested += 1;
    stats.openRequests += 1;
    let open = true;
    const closeRequest = () => {
      if (open) stats.openRequests -= 1;
      open = false;
    };
    try {
      // Waiting for a driver: a whim or lost patience may end it first.
      const patienceMs = clock.realMs(this.profile.patienceMinutes * 60);
      const firstMs = whim ? Math.min(patienceMs, clock.realMs(whimAfter)) : patienceMs;
      let s = await this.until(cur, 1, firstMs);
      if (s === 'timeout' && (whim || givesUp) && (await this.cancel(cur, whim ? 'changed my mind' : 'waited too long'))) s = 'cancelled';
      if (s === 'timeout') s = await this.until(cur, 1);
      closeRequest();
      if (s === 'expired') return void (stats.count.expired += 1);
      if (s === 'cancelled') {
        if (cur.endOfRun) stats.count.cancelledAtEnd += 1;
        else stats.count.cancelledByRiderBeforeMatch += 1;
        return;
      }

      stats.count.matched += 1;
      stats.matchTimes.push(performance.now() - requestedAt);
      if (!cur.pickupCode) await this.read(cur);
      this.world.curbside.tell(cur.id, cur.pickupCode ?? null);

      // A driver is on the way; rarely the rider calls it off before they arrive.
      const lateWhim = this.rng.chance(0.03);
      s = await this.until(cur, 2, lateWhim ? clock.realMs(this.rng.between(30, 300)) : Infinity);
      if (s === 'timeout' && (await this.cancel(cur, 'plans changed'))) s = 'cancelled';
      if (s === 'timeout') s = await this.until(cur, 2);
      if (RANK[s]! >= 2 && RANK[s]! <= 4) {
        stats.pickupWaits.push(((performance.now() - requestedAt) / 1000) * clock.speed);
      }
      s = await this.until(cur, 4);
      if (s === 'cancelled') {
        if (cur.cancelledBy === 'rider') stats.count.cancelledByRiderAfterMatch += 1;
        // At the end of the run the drivers call off what has not started; they count those.
        else if (!this.world.stopping) stats.count.cancelledByDriver += 1;
        return;
      }
      if (s === 'completed' && this.rng.chance(this.profile.rateRate)) {
        const stars = this.rng.weighted([5, 4, 3, 2, 1], (n) => ({ 5: 60, 4: 25, 3: 9, 2: 4, 1: 2 })[n]!);
        const rated = await api.call('POST /rides/{id}/rating', 'POST', `/api/v1/rides/${cur.id}/rating`, { token: this.token, body: { stars } });
        if (rated.status === 200 || rated.status === 201) stats.count.rated += 1;
        else stats.error(`POST /rides/{id}/rating ${rated.status}`);
      }
    } finally {
      closeRequest();
      this.current = undefined;
    }
  }

  /** The run is over: a request still waiting for a driver is withdrawn. */
  async finish(): Promise<void> {
    const cur = this.current;
    if (!cur || RANK[cur.status]! >= 1) return;
    cur.endOfRun = true;
    await this.cancel(cur, 'end of the simulation');
  }

  stop(): void {
    this.closed = true;
    for (const wake of this.current?.changed.splice(0) ?? []) wake();
    this.socket?.close();
    this.session.close();
  }
}

/** Unique per run, for idempotency keys. */
export const newRunId = (): string => randomUUID().slice(0, 8);
