import { describe, expect, it } from 'vitest';
import { findFunction } from '../../contracts/catalog.js';
import { isEventType } from '../../contracts/events.js';
import { rideStatuses } from './migrations.js';
import { activeStatuses, type RideStatus } from './schemas.js';
import { transitions, type RideTransition } from './transitions.js';

const all: [string, RideTransition][] = Object.entries(transitions);
const leaving = (s: RideStatus) => all.filter(([, t]) => t.from.includes(s));
const terminal = rideStatuses.filter((s) => leaving(s).length === 0);

/** Every state some path of transitions reaches from `start`. */
function reachable(start: RideStatus): Set<RideStatus> {
  const seen = new Set<RideStatus>([start]);
  const queue = [start];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const [, t] of leaving(s)) {
      if (!seen.has(t.to)) {
        seen.add(t.to);
        queue.push(t.to);
      }
    }
  }
  return seen;
}

describe('the ride transitions table', () => {
  it('creates a ride as requested (now) or scheduled (for later): the two transitions from no state', () => {
    const creating = all.filter(([, t]) => t.from.length === 0);
    expect(creating.map(([name, t]) => [name, t.to])).toEqual([
      ['request', 'requested'],
      ['book', 'scheduled'],
    ]);
  });

  it('reaches every ride state from scheduled, and every one but scheduled from requested', () => {
    expect([...reachable('scheduled')].sort()).toEqual([...rideStatuses].sort());
    expect([...reachable('requested')].sort()).toEqual(rideStatuses.filter((s) => s !== 'scheduled').sort());
  });

  it('starts a booked ride’s matching with the same event as a request, so matching offers it as any ride', () => {
    expect(transitions.startMatching).toMatchObject({ from: ['scheduled'], to: 'requested', event: transitions.request.event });
    expect(transitions.cancelByRider.from).toContain('scheduled');
    expect(transitions.expire.from).toContain('scheduled');
  });

  it('sends a ride the driver gives back before pickup to matching again, not to an end', () => {
    expect(transitions.cancelByDriver).toMatchObject({ from: ['accepted', 'arrived'], to: 'matching', by: 'driver', event: 'microride.ride.rematching' });
    expect(transitions.accept.from).toContain(transitions.cancelByDriver.to);
    expect(transitions.expire.from).toContain(transitions.cancelByDriver.to);
  });

  it('ends in completed, cancelled or expired, and nothing leaves them', () => {
    expect(terminal.sort()).toEqual(['cancelled', 'completed', 'expired']);
    for (const [name, t] of all) for (const s of terminal) expect(t.from, `${name} leaves ${s}`).not.toContain(s);
  });

  it('lets every other state reach an end: no ride can hang in a state with no way out', () => {
    for (const s of rideStatuses.filter((x) => !terminal.includes(x))) {
      expect(leaving(s).length, `${s} has a way out`).toBeGreaterThan(0);
      expect([...reachable(s)].some((x) => terminal.includes(x)), `${s} reaches an end`).toBe(true);
    }
  });

  it('follows DESIGN §4: requested → matching → accepted → arrived → in_progress → completed, cancellable up to arrival, expiring while unaccepted', () => {
    const step = (from: RideStatus, to: RideStatus) => all.some(([, t]) => t.from.includes(from) && t.to === to);
    const line: RideStatus[] = ['requested', 'matching', 'accepted', 'arrived', 'in_progress', 'completed'];
    for (let i = 1; i < line.length; i++) expect(step(line[i - 1]!, line[i]!), `${line[i - 1]} → ${line[i]}`).toBe(true);
    for (const s of ['requested', 'matching', 'accepted', 'arrived'] as const) expect(step(s, 'cancelled'), `${s} → cancelled`).toBe(true);
    expect(step('in_progress', 'cancelled')).toBe(false);
    expect(step('matching', 'expired')).toBe(true);
    expect(step('accepted', 'expired')).toBe(false);
  });

  it('names for each transition an event of contracts/events.ts that its function may emit', () => {
    for (const [name, t] of all) {
      expect(isEventType(t.event), `${name}: ${t.event}`).toBe(true);
      const fn = findFunction(t.fn);
      expect(fn.service, name).toBe('rides');
      expect(fn.emits, `${t.fn} emits ${t.event}`).toContain(t.event);
    }
  });

  it('lets a rider and an assigned driver cancel, the driver only once assigned', () => {
    expect([transitions.cancelByRider.by, transitions.cancelByDriver.by]).toEqual(['rider', 'driver']);
    for (const s of transitions.cancelByDriver.from) expect(transitions.cancelByRider.from).toContain(s);
    expect(transitions.cancelByDriver.from).not.toContain('requested');
    expect(transitions.cancelByDriver.from).not.toContain('matching');
  });

  it('holds the one-active-ride index states (schemas.ts activeStatuses) equal to the states that are not ends, but for a booking', () => {
    expect([...activeStatuses].sort()).toEqual(rideStatuses.filter((s) => !terminal.includes(s) && s !== 'scheduled').sort());
  });
});
