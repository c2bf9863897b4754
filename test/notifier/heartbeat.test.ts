import { describe, it, expect } from 'vitest';
import { connect, signToken, sleep, useNotifier } from './helpers.js';

// uWS's smallest idle timeout; pings go out automatically before it runs out.
const ctx = useNotifier({ NOTIFIER_IDLE_TIMEOUT_SECONDS: 8 });

describe('notifier: heartbeats', () => {
  it('keeps an idle but live client with pings, and drops one that stopped answering', { timeout: 40_000 }, async () => {
    const live = await connect(ctx.n.wsUrl, (await signToken()).token);
    const dead = await connect(ctx.n.wsUrl, (await signToken()).token);
    let pings = 0;
    live.ws.on('ping', () => (pings += 1)); // ws answers with a pong by itself
    dead.ws.pause(); // reads nothing: its pong never comes, as with a vanished phone
    expect(ctx.n.connections()).toBe(2);

    const t0 = Date.now();
    while (ctx.n.connections() > 1 && Date.now() - t0 < 30_000) await sleep(250);
    expect(ctx.n.connections()).toBe(1);
    await sleep(2_000);
    expect(live.ws.readyState).toBe(live.ws.OPEN);
    expect(pings).toBeGreaterThan(0);
    live.close();
    dead.ws.terminate();
  });
});
