/**
 * One simulated driver: signs up, registers a profile and vehicle, goes online and drives.
 * A timer moves the car along its route at the city's speed for the simulated time that
 * passed and reports the position every `pingSeconds`. Offers arrive over the websocket;
 * the driver answers after a human delay, sometimes declining, and on a win drives to the
 * pickup, arrives, waits for the rider, starts (with the code the rider tells, if any),
 * drives to the drop-off and completes. Idle, it cruises towards where rides start.
 */
import { z } from 'zod';
import { NetworkError, type Answer } from './api.js';
import { toLatLon, toXy, type Xy } from './city.js';
import { cruiseTarget } from './hotspots.js';
import type { DriverProfile } from './population.js';
import { SIM_PASSWORD } from './population.js';
import type { Rng } from './prng.js';
import { positionAlong, streetRoute, type Route } from './routes.js';
import { Session } from './session.js';
import { connect, type AppSocket, type Push } from './socket.js';
import { cityKmh, sleep, type World } from './world.js';

const rideSchema = z.object({
  id: z.string(),
  status: z.string(),
  pickup: z.object({ lat: z.number(), lon: z.number() }),
  dropoff: z.object({ lat: z.number(), lon: z.number() }),
  fare: z.object({ basis: z.enum(['measured', 'quoted']).nullable().optional() }).optional(),
});
const listSchema = z.object({ items: z.array(rideSchema) });

type Phase = 'to_pickup' | 'boarding' | 'to_dropoff' | 'ending';

interface Job {
  rideId: string;
  phase: Phase;
  pickup: Xy;
  dropoff: Xy;
}

/** The longest a driver waits to hear a pickup code at the kerb, real ms. */
const HEAR_CODE_MS = 5_000;
/** Offers stand 20 s (real); an answer later than this would only meet an expired offer. */
const MAX_ANSWER_MS = 12_000;

export class Driver {
  readonly session: Session;
  private socket: AppSocket | undefined;
  private pos: Xy;
  private heading = 0;
  private route: Route | undefined;
  private driven = 0;
  private onRouteEnd: (() => void) | undefined;
  private parkedUntil = 0;
  private job: Job | undefined;
  private deciding = false;
  private pinging = false;
  private pingTimedOut = false;
  private lastTick = 0;
  private timer: NodeJS.Timeout | undefined;
  private online = false;

  constructor(private readonly world: World, readonly profile: DriverProfile, private readonly rng: Rng) {
    this.session = new Session(world.api, world.stats, { email: profile.email, password: SIM_PASSWORD, name: profile.name, role: 'driver' });
    this.pos = profile.home;
  }

  private get token() {
    return this.session.token;
  }

  /** Account, profile and vehicle, websocket, leftovers of an earlier run, online, first position. */
  /** `known`: the seed's accounts exist from an earlier run (sign in before trying to register). */
  async setUp(known = false): Promise<'created' | 'existed'> {
    const { api } = this.world;
    const account = await this.session.open(sleep, known);
    const reg = await api.call('POST /drivers', 'POST', '/api/v1/drivers', {
      token: this.token,
      body: { licenseNumber: this.profile.licenseNumber, vehicle: this.profile.vehicle },
    });
    // 409: this seed's driver registered in an earlier run; the profile stands.
    if (reg.status !== 201 && reg.status !== 409) throw new Error(`driver profile ${this.profile.email}: HTTP ${reg.status}`);
    this.socket = await connect(this.world.wsUrl, this.session, this.world.stats, (p) => this.onPush(p));
    if (account === 'existed') await this.clearLeftovers();
    await this.goOnline();
    await this.ping();
    return account;
  }

  /** A ride an earlier run left open (stopped mid-trip) would keep this driver on a trip forever. */
  private async clearLeftovers(): Promise<void> {
    const res = await this.world.api.call('GET /rides', 'GET', '/api/v1/rides?limit=5', { token: this.token });
    const list = listSchema.safeParse(res.body);
    if (res.status !== 200 || !list.success) return this.world.stats.error(`GET /rides ${res.status}`);
    for (const r of list.data.items) {
      if (r.status === 'in_progress') await this.step(r.id, 'complete');
      else if (r.status === 'accepted' || r.status === 'arrived') {
        await this.world.api.call('POST /rides/{id}/cancel', 'POST', `/api/v1/rides/${r.id}/cancel`, { token: this.token, body: { reason: 'simulation restarted' } });
      }
    }
  }

  private async goOnline(): Promise<void> {
    const res = await this.world.api.call('PUT /drivers/me/availability', 'PUT', '/api/v1/drivers/me/availability', {
      token: this.token,
      body: { status: 'online' },
    });
    // 409: already on a trip or online from an earlier run; the platform knows best.
    if (res.status !== 200 && res.status !== 409) throw new Error(`go online ${this.profile.email}: HTTP ${res.status}`);
    this.online = true;
    this.world.stats.driversOnline += 1;
  }

  /** Starts driving; the first tick comes at a random point of the ping interval, so pings spread out. */
  start(): void {
    this.lastTick = performance.now();
    const period = this.world.pingSeconds * 1000;
    const loop = () => {
      this.tick();
      this.timer = setTimeout(loop, period);
    };
    this.timer = setTimeout(loop, this.rng.between(0, period));
  }

  private tick(): void {
    const now = performance.now();
    const simSeconds = ((now - this.lastTick) / 1000) * this.world.clock.speed;
    this.lastTick = now;
    if (this.route) {
      this.driven += (cityKmh(this.world.clock.hour()) / 3.6) * simSeconds;
      const at = positionAlong(this.route, this.driven);
      this.pos = at.at;
      this.heading = at.heading;
      if (this.driven >= this.route.lengthM) {
        const done = this.onRouteEnd;
        this.route = undefined;
        this.onRouteEnd = undefined;
        done?.();
      }
    } else if (!this.job && !this.deciding && this.world.clock.elapsed() >= this.parkedUntil) {
      this.cruise();
    }
    void this.ping();
  }

  private driveTo(target: Xy, then: () => void): void {
    this.route = streetRoute(this.pos, target, this.rng);
    this.driven = 0;
    this.onRouteEnd = then;
  }

  /** Idle: half the time towards where rides start now, else round the block; then park a while. */
  private cruise(): void {
    const hour = this.world.clock.hour();
    const target = this.rng.chance(0.5)
      ? cruiseTarget(hour, this.rng)
      : { x: this.pos.x + this.rng.normal() * 800, y: this.pos.y + this.rng.normal() * 800 };
    const park = this.rng.between(60, 600);
    this.driveTo(target, () => {
      this.parkedUntil = this.world.clock.elapsed() + park;
    });
  }

  private async ping(): Promise<void> {
    // One ping at a time: a slow answer must not let two land within the platform's second.
    if (this.pinging || !this.online) return;
    this.pinging = true;
    try {
      const moving = this.route !== undefined;
      const res = await this.world.api.call('POST /drivers/me/location', 'POST', '/api/v1/drivers/me/location', {
        token: this.token,
        body: { ...toLatLon(this.pos), heading: this.heading, speedKmh: moving ? cityKmh(this.world.clock.hour()) : 0 },
      });
      this.world.stats.count.pings += 1;
      // A ping this client gave up on may still have been stored, later: the platform then
      // counts the next one as too soon. That 429 follows from the timeout, already counted.
      const followsTimeout = res.status === 429 && this.pingTimedOut;
      this.pingTimedOut = false;
      if (res.status !== 202 && !followsTimeout) this.world.stats.error(`POST /drivers/me/location ${res.status}`);
    } catch (err) {
      this.pingTimedOut = true;
      this.world.stats.error(err instanceof NetworkError ? `${err.op} network` : 'POST /drivers/me/location failed');
    } finally {
      this.pinging = false;
    }
  }

  private onPush(p: Push): void {
    if (p.type === 'microride.ride.offered' && p.rideId) void this.answerOffer(p.rideId);
    else if (p.type === 'microride.ride.cancelled' && p.rideId && this.job?.rideId === p.rideId) this.dropJob();
  }

  private async answerOffer(rideId: string): Promise<void> {
    const { api, stats, clock } = this.world;
    stats.count.offers += 1;
    if (this.job || this.deciding || this.world.stopping) {
      // Busy with another offer or ride: say so at once rather than let the offer lapse.
      await this.decline(rideId);
      return;
    }
    this.deciding = true;
    try {
      const [lo, hi] = this.profile.answerDelay;
      await sleep(Math.min(MAX_ANSWER_MS, clock.realMs(this.rng.between(lo, hi))));
      if (this.rng.chance(this.profile.declineRate)) {
        await this.decline(rideId);
        return;
      }
      const res = await this.call('POST /rides/{id}/accept', rideId, 'accept');
      if (!res) return;
      if (res.status === 200) {
        const ride = rideSchema.parse(res.body);
        stats.count.accepts += 1;
        this.job = { rideId, phase: 'to_pickup', pickup: toXy(ride.pickup), dropoff: toXy(ride.dropoff) };
        this.parkedUntil = 0;
        this.driveTo(this.job.pickup, () => void this.arrive());
      } else if (res.status === 409 || res.status === 404) {
        // Another driver was quicker, or the rider cancelled or the offer lapsed meanwhile.
        stats.count.acceptsLost += 1;
      } else stats.error(`POST /rides/{id}/accept ${res.status}`);
    } finally {
      this.deciding = false;
    }
  }

  private async decline(rideId: string): Promise<void> {
    const res = await this.call('POST /rides/{id}/decline', rideId, 'decline');
    if (!res) return;
    if (res.status >= 200 && res.status < 300) this.world.stats.count.declines += 1;
    else if (res.status !== 409 && res.status !== 404) this.world.stats.error(`POST /rides/{id}/decline ${res.status}`);
  }

  private async call(op: string, rideId: string, action: string, body?: unknown): Promise<Answer | null> {
    try {
      return await this.world.api.call(op, 'POST', `/api/v1/rides/${rideId}/${action}`, { token: this.token, ...(body ? { body } : {}) });
    } catch (err) {
      this.world.stats.error(err instanceof NetworkError ? `${op} network` : `${op} failed`);
      return null;
    }
  }

  /**
   * A trip step. A 409 is expected only when the rider cancelled meanwhile (the push may
   * not have arrived yet): the ride is read to tell that from a real conflict.
   */
  private async step(rideId: string, action: 'arrived' | 'start' | 'complete', body?: unknown): Promise<z.infer<typeof rideSchema> | null> {
    const op = `POST /rides/{id}/${action}`;
    const res = await this.call(op, rideId, action, body);
    if (!res) return null;
    if (res.status === 200) {
      const parsed = rideSchema.safeParse(res.body);
      return parsed.success ? parsed.data : null;
    }
    if (res.status === 409) {
      const now = await this.world.api.call('GET /rides/{id}', 'GET', `/api/v1/rides/${rideId}`, { token: this.token }).catch(() => null);
      const ride = rideSchema.safeParse(now?.body);
      if (ride.success && ride.data.status === 'cancelled') return null;
    }
    this.world.stats.error(`${op} ${res.status}`);
    return null;
  }

  private async arrive(): Promise<void> {
    const job = this.job;
    if (!job || job.phase !== 'to_pickup') return;
    job.phase = 'boarding';
    if (!(await this.step(job.rideId, 'arrived'))) return this.dropJob(job.rideId);
    // The rider walks out and gets in.
    await sleep(this.world.clock.realMs(this.rng.between(20, 120)));
    if (this.job !== job) return;
    const code = await this.world.curbside.hear(job.rideId, HEAR_CODE_MS);
    if (this.job !== job) return;
    if (!(await this.step(job.rideId, 'start', code ? { pickupCode: code } : undefined))) return this.dropJob(job.rideId);
    job.phase = 'to_dropoff';
    this.driveTo(job.dropoff, () => void this.complete(job));
  }

  private async complete(job: Job): Promise<void> {
    if (this.job !== job || job.phase !== 'to_dropoff') return;
    job.phase = 'ending';
    const ride = await this.step(job.rideId, 'complete');
    if (ride) {
      this.world.stats.completedOne();
      if (ride.fare?.basis === 'measured') this.world.stats.count.fareMeasured += 1;
      else this.world.stats.count.fareQuoted += 1;
    }
    this.dropJob(job.rideId);
  }

  private dropJob(rideId?: string): void {
    if (rideId && this.job?.rideId !== rideId) return;
    this.job = undefined;
    this.route = undefined;
    this.onRouteEnd = undefined;
  }

  get busy(): boolean {
    return this.job !== undefined;
  }

  /** The run is over: the car stops where it is; a trip under way ends there, one not yet started is called off. */
  async finish(): Promise<void> {
    this.park();
    const job = this.job;
    if (!job) return;
    if (job.phase === 'to_dropoff') await this.complete(job);
    else if (job.phase !== 'ending') {
      this.dropJob();
      const res = await this.call('POST /rides/{id}/cancel', job.rideId, 'cancel', { reason: 'end of the simulation' });
      if (res && res.status === 200) this.world.stats.count.cancelledAtEnd += 1;
    }
  }

  /** No more driving or pings. */
  park(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Offline, socket closed, no more timers. */
  async stop(): Promise<void> {
    this.park();
    if (this.online) {
      this.online = false;
      this.world.stats.driversOnline -= 1;
      await this.world.api
        .call('PUT /drivers/me/availability', 'PUT', '/api/v1/drivers/me/availability', { token: this.token, body: { status: 'offline' } })
        .catch(() => undefined);
    }
    this.socket?.close();
    this.session.close();
  }
}
