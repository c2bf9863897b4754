import { describe, it, expect } from 'vitest';
import { redis } from '../../platform/clients.js';
import { streamKey, compareIds } from '../../notifier/streams.js';
import { connect, postEvent, receivesNothing, ride, signToken, useNotifier, type Message } from './helpers.js';

// A short history so trimming can be observed.
const MAXLEN = 10;
const ctx = useNotifier({ NOTIFIER_STREAM_MAXLEN: MAXLEN });

const expire = (riderId: string) => postEvent(ctx.n.eventsUrl, ride.expired({ riderId })).then((r) => expect(r.status).toBe(202));

function strictlyIncreasing(ms: Message[]): boolean {
  return ms.every((m, i) => i === 0 || compareIds(ms[i - 1]!.id, m.id) < 0);
}

describe('notifier: resume with since', () => {
  it('replays exactly the missed messages, in order, then continues live', async () => {
    const u = await signToken();
    const first = await connect(ctx.n.wsUrl, u.token);
    await expire(u.userId);
    await expire(u.userId);
    const seen = await first.waitFor(2);
    first.close();
    await first.closed;

    const missed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ev = ride.expired({ riderId: u.userId });
      missed.push(ev.data.rideId);
      expect((await postEvent(ctx.n.eventsUrl, ev)).status).toBe(202);
    }

    const again = await connect(ctx.n.wsUrl, u.token, { since: seen[1]!.id });
    const replayed = await again.waitFor(3);
    expect(replayed.map((m) => m.rideId)).toEqual(missed);
    expect(compareIds(replayed[0]!.id, seen[1]!.id)).toBeGreaterThan(0);

    const live = ride.expired({ riderId: u.userId });
    await postEvent(ctx.n.eventsUrl, live);
    const all = await again.waitFor(4);
    expect(all[3]!.rideId).toBe(live.data.rideId);
    expect(await receivesNothing(again)).toBe(true);
    expect(again.messages).toHaveLength(4);
    expect(strictlyIncreasing(again.messages)).toBe(true);
    again.close();
  });

  it('resuming while events keep arriving leaves no gap and no duplicate', async () => {
    const u = await signToken();
    await expire(u.userId);
    const firstId = ((await redis().xrange(streamKey(u.userId), '-', '+')) as [string, string[]][])[0]![0];
    // Events before, during and after the (re)connect.
    const posting = (async () => {
      for (let i = 0; i < 8; i++) await expire(u.userId); // < MAXLEN, so nothing is trimmed
    })();
    const c = await connect(ctx.n.wsUrl, u.token, { since: firstId });
    await posting;
    const inStream = ((await redis().xrange(streamKey(u.userId), `(${firstId}`, '+')) as [string, string[]][]).map(([id]) => id);
    expect(inStream).toHaveLength(8);
    await c.waitFor(8);
    expect(await receivesNothing(c, 200)).toBe(true);
    expect(c.messages.map((m) => m.id)).toEqual(inStream);
    c.close();
  });

  it('without since, starts at the present: nothing old, everything new', async () => {
    const u = await signToken();
    await expire(u.userId);
    const c = await connect(ctx.n.wsUrl, u.token);
    expect(await receivesNothing(c, 150)).toBe(true);
    await expire(u.userId);
    await c.waitFor(1);
    expect(c.messages).toHaveLength(1);
    c.close();
  });

  it('two sockets of one user (phone, laptop) each get every message once', async () => {
    const u = await signToken();
    const phone = await connect(ctx.n.wsUrl, u.token);
    const laptop = await connect(ctx.n.wsUrl, (await signToken({ userId: u.userId })).token);
    for (let i = 0; i < 3; i++) await expire(u.userId);
    const a = await phone.waitFor(3);
    const b = await laptop.waitFor(3);
    expect(a.map((m) => m.id)).toEqual(b.map((m) => m.id));
    expect(await receivesNothing(phone, 100)).toBe(true);
    expect(phone.messages).toHaveLength(3);
    phone.close();
    laptop.close();
  });

  it('keeps only the last MAXLEN messages and says so when a resume point was trimmed', async () => {
    const u = await signToken();
    const c = await connect(ctx.n.wsUrl, u.token);
    await expire(u.userId);
    const [old] = await c.waitFor(1);
    c.close();
    await c.closed;
    for (let i = 0; i < MAXLEN + 2; i++) await expire(u.userId);
    expect(await redis().xlen(streamKey(u.userId))).toBe(MAXLEN);

    const back = await connect(ctx.n.wsUrl, u.token, { since: old!.id });
    const got = await back.waitFor(1 + MAXLEN);
    expect(got[0]).toMatchObject({ type: 'microride.notifier.resync', data: { lostUpTo: expect.any(String) } });
    const kept = got.slice(1);
    expect(kept).toHaveLength(MAXLEN);
    expect(compareIds(got[0]!.id, kept[0]!.id)).toBeLessThan(0);
    expect(strictlyIncreasing(kept)).toBe(true);
    // The 2 lost messages came right after `old`; the resync names the last of them.
    expect(got[0]!.data.lostUpTo).toBe(got[0]!.id);
    expect(compareIds(got[0]!.id, old!.id)).toBeGreaterThan(0);
    const ttl = await redis().ttl(streamKey(u.userId));
    expect(ttl).toBeGreaterThan(86_000);
    back.close();
  });
});
