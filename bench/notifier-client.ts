/**
 * Load client for bench/notifier.bench.ts, run as a separate process so its sockets and
 * CPU do not count against the notifier. Driven over IPC:
 *   {cmd:'connect', wsUrl, users:[userId…], concurrency} → {connected, failed, ms}
 *   {cmd:'report'} → {receipts: [[rideId, monotonic ms]…]} (and forgets them)
 *   {cmd:'close'}  → closes every socket, exits
 * Receipt times are process.hrtime (CLOCK_MONOTONIC: one clock for every process on the
 * machine), so the parent can subtract its own send times.
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
let receipts: [string, number][] = [];
let closedUnexpectedly = 0;

const reply = (msg: unknown) => process.send?.(msg);

// One client address reaches only as many sockets to the notifier's one port as the
// ephemeral port range holds (~28k): BENCH_NOTIFIER_LOCAL_ADDRESSES > 1 spreads them over
// 127.0.0.1, 127.0.0.2, … (all loopback).
const localAddresses = Array.from({ length: Math.max(1, Number(process.env.BENCH_NOTIFIER_LOCAL_ADDRESSES ?? 1)) }, (_, i) => `127.0.0.${i + 1}`);
let opened = 0;

async function tokens(users: string[]): Promise<string[]> {
  const pem = process.env.JWT_PRIVATE_KEY;
  if (!pem) throw new Error('JWT_PRIVATE_KEY missing');
  const key = await importPKCS8(pem, 'EdDSA');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return Promise.all(
    users.map((sub) =>
      new SignJWT({ role: 'rider', sid: randomUUID() })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
        .setSubject(sub)
        .setIssuer(process.env.JWT_ISSUER ?? 'microride')
        .setAudience(process.env.JWT_AUDIENCE ?? 'microride-api')
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key),
    ),
  );
}

function open(wsUrl: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    // The token as a sub-protocol: the notifier accepts `?token=` only with NOTIFIER_QUERY_TOKEN=true.
    const localAddress = localAddresses.length > 1 ? localAddresses[opened++ % localAddresses.length] : undefined;
    const ws = new WebSocket(wsUrl, ['bearer', token], { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    ws.on('message', (raw) => {
      const t = now();
      const text = String(raw);
      // Cheaper than JSON.parse for the one field we need; rideId is a UUID.
      const at = text.indexOf('"rideId":"');
      if (at >= 0) receipts.push([text.slice(at + 10, at + 46), t]);
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
  const list = await tokens(users);
  let next = 0;
  let connected = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) {
        const token = list[next++]!;
        if (await open(wsUrl, token)) connected += 1;
        else failed += 1;
      }
    }),
  );
  return { connected, failed, ms: now() - t0 };
}

process.on('message', (raw) => {
  const msg = command.parse(raw);
  if (msg.cmd === 'connect') {
    connectAll(msg.wsUrl, msg.users, msg.concurrency).then(reply, (err: unknown) => reply({ error: String(err) }));
  } else if (msg.cmd === 'report') {
    reply({ receipts, closedUnexpectedly });
    receipts = [];
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
reply({ ready: true });
