import { spawn } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { revokeSession } from '../../platform/auth/session-cache.js';
import { randomUUID } from 'node:crypto';
import { postEvent, ride, signToken, useNotifier } from './helpers.js';
import { storeAndPush } from '../../functions/tracking/live-push.js';
import { liveSettings } from '../../functions/tracking/live-settings.js';

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

  it('prints a live driver position as one readable line (no id to resume from)', async () => {
    const u = await signToken();
    const cli = spawn(process.execPath, ['--import', 'tsx', 'scripts/watch.ts', '--url', ctx.n.wsUrl], {
      env: { ...process.env, MICRORIDE_TOKEN: u.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    cli.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      const until = async (pred: () => boolean, what: string) => {
        for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
        if (!pred()) throw new Error(`${what}; stderr: ${err}`);
      };
      await until(() => err.includes('connected to'), 'CLI did not connect');
      const rideId = randomUUID();
      const at = new Date().toISOString();
      // What tracking publishes on a driver's ping (functions/tracking/live-push.ts).
      await storeAndPush(u.userId, { rideId, lat: 52.51, lon: 13.4, heading: 90, speedKmh: 28, towards: 'pickup', etaSeconds: 160, distanceMeters: 1_234, at }, liveSettings());
      await until(() => out.includes('\n'), 'CLI printed nothing');
      expect(out).toBe(`${at}  ride.driver_location     ride ${rideId}  52.51000,13.40000 ↑90° 28 km/h → pickup 1.2 km, ETA 2 min 40 s\n`);
      expect(err).not.toMatch(/unexpected message/);
    } finally {
      cli.kill('SIGINT');
    }
  });
});
