import { randomUUID } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { compareIds } from '../../notifier/streams.js';
import { connect, postEvent, signToken, useNotifier, sleep } from './helpers.js';

const LIMIT = 16 * 1024;
const ctx = useNotifier({ NOTIFIER_MAX_BACKPRESSURE: LIMIT, NOTIFIER_STREAM_MAXLEN: 1000 });

/** A ~700-byte notification (the longest free text the catalog allows is 500 chars). */
const cancelled = (riderId: string) => ({
  type: 'microride.ride.cancelled',
  data: { rideId: randomUUID(), riderId, driverId: null, by: 'system', reason: 'x'.repeat(500), fee: null },
});

describe('notifier: slow consumers', () => {
  it('closes a client that stops reading (4008) without stalling the others; it resumes losslessly', async () => {
    const slowUser = await signToken();
    const fastUser = await signToken();
    const slow = await connect(ctx.n.wsUrl, slowUser.token);
    const fast = await connect(ctx.n.wsUrl, fastUser.token);
    slow.ws.pause(); // stops reading: the kernel buffers fill, then uWS's

    const fastLatencies: number[] = [];
    fast.ws.on('message', () => undefined);
    let postedSlow = 0;
    let postedFast = 0;
    const deadline = Date.now() + 25_000;
    while (ctx.n.metrics.slowConsumers.get() === 0 && Date.now() < deadline) {
      // 20 events for the slow user in parallel, then one for the fast user, timed.
      await Promise.all(Array.from({ length: 20 }, () => postEvent(ctx.n.eventsUrl, cancelled(slowUser.userId))));
      postedSlow += 20;
      const have = fast.messages.length;
      const t0 = performance.now();
      await postEvent(ctx.n.eventsUrl, cancelled(fastUser.userId));
      postedFast += 1;
      await fast.waitFor(have + 1, 2_000);
      fastLatencies.push(performance.now() - t0);
    }
    expect(ctx.n.metrics.slowConsumers.get()).toBe(1);
    // The other client never waited on the slow one.
    expect(fast.messages).toHaveLength(postedFast);
    expect(Math.max(...fastLatencies)).toBeLessThan(250);
    const after = fast.messages.length;
    await postEvent(ctx.n.eventsUrl, cancelled(fastUser.userId));
    await fast.waitFor(after + 1);

    // The slow client, reading again, finds what was sent before the limit, then 4008.
    slow.ws.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    const since = /since=(\S+)/.exec(closed.reason)?.[1];
    expect(since).toBe(slow.messages.at(-1)!.id);
    expect(slow.messages.length).toBeLessThan(postedSlow);

    // Resuming from the last id it got yields the rest: nothing lost, nothing twice.
    const back = await connect(ctx.n.wsUrl, slowUser.token, { since });
    const rest = await back.waitFor(postedSlow - slow.messages.length, 10_000);
    const all = [...slow.messages, ...rest];
    expect(all).toHaveLength(postedSlow);
    expect(new Set(all.map((m) => m.id)).size).toBe(postedSlow);
    expect(all.every((m, i) => i === 0 || compareIds(all[i - 1]!.id, m.id) < 0)).toBe(true);
    await sleep(100);
    expect(back.messages).toHaveLength(postedSlow - slow.messages.length);
    back.close();
    fast.close();
  });
});
