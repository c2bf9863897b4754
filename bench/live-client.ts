/**
 * Riders' sockets for bench/live-position.bench.ts, in a process of its own so their CPU
 * does not count against the notifier or the ping path. Like bench/notifier-client.ts, but
 * it keeps what identifies a live position: its ride and its `at` (the ping's server time).
 *   {cmd:'connect', wsUrl, users:[userId…], concurrency} → {connected, failed, ms}
 *   {cmd:'report'} → {receipts: [[rideId, at, monotonic ms]…], closedUnexpectedly} (and forgets them)
 *   {cmd:'close'}  → closes every socket, exits
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import WebSocket from 'ws';
import { z } from 'zod';

const now = () => Number(process.hrtime.bigint()) / 1e6;

const command = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('connect'), wsUrl: z.string(), users: z.array(z.string()), concurrency: z.number().int().min(1) }),
  z.object({ cmd: z.literal('report') }),
  z.object({ cmd: z.literal('close') }),
]);

const sockets: WebSocket[] = [];
let receipts: [string, string, number][] = [];
let closedUnexpectedly = 0;
const reply = (msg: unknown) => process.send?.(msg);

async function token(sub: string, key: Awaited<ReturnType<typeof importPKCS8>>): Promise<string> {
  return new SignJWT({ role: 'rider', sid: randomUUID() })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
    .setSubject(sub)
    .setIssuer(process.env.JWT_ISSUER ?? 'microride')
    .setAudience(process.env.JWT_AUDIENCE ?? 'microride-api')
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3600)
    .sign(key);
}

function open(wsUrl: string, t: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, ['bearer', t], { perMessageDeflate: false });
    ws.on('message', (raw) => {
      const at = now();
      const m = JSON.parse(String(raw)) as { rideId?: string; at?: string };
      if (m.rideId && m.at) receipts.push([m.rideId, m.at, at]);
    });
    ws.once('open', () => {
      sockets.push(ws);
      ws.on('close', () => (closedUnexpectedly += 1));
      resolve(true);
    });
    ws.once('error', () => resolve(false));
    ws.once('unexpected-response', () => resolve(false));
  });
}

async function connectAll(wsUrl: string, users: string[], concurrency: number) {
  const t0 = now();
  const key = await importPKCS8(process.env.JWT_PRIVATE_KEY ?? '', 'EdDSA');
  let next = 0;
  let connected = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < users.length) {
        const u = users[next++]!;
        if (await open(wsUrl, await token(u, key))) connected += 1;
        else failed += 1;
      }
    }),
  );
  return { connected, failed, ms: now() - t0 };
}

process.on('message', (raw) => {
  const msg = command.parse(raw);
  if (msg.cmd === 'connect') connectAll(msg.wsUrl, msg.users, msg.concurrency).then(reply, (err: unknown) => reply({ error: String(err) }));
  else if (msg.cmd === 'report') {
    reply({ receipts, closedUnexpectedly });
    receipts = [];
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
reply({ ready: true });
