/**
 * The notifier's doors: `?token=` only when NOTIFIER_QUERY_TOKEN=true, and at most
 * NOTIFIER_MAX_SOCKETS_PER_USER sockets per user on a replica (the oldest goes, 4029).
 */
import { describe, expect, it } from 'vitest';
import { connect, postEvent, ride, signToken, useNotifier, type Client } from './helpers.js';

// Query tokens on (the setting existing clients can lean on while they move to the header),
// and a small cap so it is reached with three sockets.
const ctx = useNotifier({ NOTIFIER_QUERY_TOKEN: true, NOTIFIER_MAX_SOCKETS_PER_USER: 2 });

describe('notifier: query token behind NOTIFIER_QUERY_TOKEN', () => {
  it('with the setting on, accepts ?token= (no sub-protocol answered) beside the header', async () => {
    const a = await signToken();
    const viaQuery = await connect(ctx.n.wsUrl, a.token, { via: 'query' });
    const viaHeader = await connect(ctx.n.wsUrl, (await signToken()).token);
    expect(viaQuery.ws.protocol).toBe('');
    expect(viaHeader.ws.protocol).toBe('bearer');
    expect((await postEvent(ctx.n.eventsUrl, ride.expired({ riderId: a.userId }))).status).toBe(202);
    expect((await viaQuery.waitFor(1))[0]!.data.riderId).toBe(a.userId);
    viaQuery.close();
    viaHeader.close();
    await Promise.all([viaQuery.closed, viaHeader.closed]);
  });
});

describe('notifier: sockets per user', () => {
  it('closes the oldest socket of a user with 4029 "too many connections" when one more than the cap opens; others are untouched', async () => {
    const u = await signToken();
    const bystander = await connect(ctx.n.wsUrl, (await signToken()).token);
    const first = await connect(ctx.n.wsUrl, u.token);
    const second = await connect(ctx.n.wsUrl, (await signToken({ userId: u.userId })).token);
    const third = await connect(ctx.n.wsUrl, (await signToken({ userId: u.userId })).token);
    expect(await first.closed).toEqual({ code: 4029, reason: 'too many connections' });
    expect(second.ws.readyState).toBe(second.ws.OPEN);
    expect(third.ws.readyState).toBe(third.ws.OPEN);
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    expect(ctx.n.connections()).toBe(3);

    // The two kept are live.
    expect((await postEvent(ctx.n.eventsUrl, ride.expired({ riderId: u.userId }))).status).toBe(202);
    await Promise.all([second.waitFor(1), third.waitFor(1)]);

    // Reconnecting the evicted one (with since) evicts the next oldest, not the newcomer.
    const back = await connect(ctx.n.wsUrl, u.token, { since: second.messages[0]!.id });
    expect(await second.closed).toEqual({ code: 4029, reason: 'too many connections' });
    expect(back.ws.readyState).toBe(back.ws.OPEN);

    const text = await (await fetch(`${ctx.n.url}/metrics`)).text();
    expect(text).toMatch(/notifier_too_many_connections_closes_total 2/);
    expect(text).toMatch(/notifier_ws_closes_total\{code="4029"\} 2/);
    const all: Client[] = [bystander, third, back];
    for (const c of all) c.close();
    await Promise.all(all.map((c) => c.closed));
  });
});
