import { spawn } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { revokeSession } from '../../platform/auth/session-cache.js';
import { postEvent, ride, signToken, useNotifier } from './helpers.js';

const ctx = useNotifier();

describe('npm run watch (scripts/watch.ts)', () => {
  it('prints the user’s notifications and stops when the session is revoked', async () => {
    const u = await signToken();
    const cli = spawn(process.execPath, ['--import', 'tsx', 'scripts/watch.ts', '--url', ctx.n.wsUrl, '--json'], {
      env: { ...process.env, MICRORIDE_TOKEN: u.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    cli.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => cli.once('exit', r));
    const until = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!pred()) throw new Error(`${what}; stderr: ${err}`);
    };
    await until(() => err.includes('connected to'), 'CLI did not connect');

    const ev = ride.expired({ riderId: u.userId });
    await postEvent(ctx.n.eventsUrl, ev);
    await until(() => out.includes('\n'), 'CLI printed nothing');
    expect(JSON.parse(out.split('\n')[0]!)).toMatchObject({ type: 'microride.ride.expired', rideId: ev.data.rideId });

    await revokeSession(u.sessionId);
    expect(await exited).toBe(3);
    expect(err).toMatch(/closed: 4003 token revoked/);
  });
});
