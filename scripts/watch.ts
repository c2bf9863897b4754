/**
 * Watch your MicroRide notifications in a terminal:
 *
 *   npm run watch -- --token <access JWT>
 *   npm run watch -- --email ada@example.com --password '…'     (signs in through the API)
 *
 * Options: --url ws://127.0.0.1:8081/ws (or NOTIFIER_URL), --api http://127.0.0.1:8080
 * (or API_URL, for --email), --since <message id> (resume), --json (raw messages).
 * MICRORIDE_TOKEN works instead of --token. It reconnects with `since` after a restart
 * (1001), a network drop, a slow-consumer close (4008) or a server error (1011); with
 * --email it signs in again when the token expires (4001); it stops on a revoked session.
 * A rider's live driver positions (`ride.driver_location`, about one a second during a
 * ride) print as one line each: position, heading, speed, target, distance and ETA.
 * When a driver accepts a ride it prints who is coming (the driver card) and, for the
 * rider, the pickup code to tell the driver (read from the rider's ride detail, --api).
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { z } from 'zod';
import { LIVE_POSITION_MESSAGE, livePosition, type LivePosition } from '../contracts/live-position.js';

const { values } = parseArgs({
  options: {
    token: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    url: { type: 'string', default: process.env.NOTIFIER_URL ?? 'ws://127.0.0.1:8081/ws' },
    api: { type: 'string', default: process.env.API_URL ?? 'http://127.0.0.1:8080' },
    since: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const usage = 'usage: npm run watch -- (--token <JWT> | --email <e> --password <p>) [--url ws://…/ws] [--api http://…] [--since <id>] [--json]';
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

// Live driver positions (ride.driver_location) have no id: they are not part of the replayable stream.
const messageSchema = z.object({ id: z.string().optional(), type: z.string(), rideId: z.string().optional(), data: z.unknown(), at: z.string() });
const loginSchema = z.object({ accessToken: z.string(), user: z.object({ id: z.string(), role: z.string() }) });

const say = (line: string) => process.stderr.write(`${line}\n`);

async function login(): Promise<string> {
  const res = await fetch(`${values.api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: values.email, password: values.password }),
  });
  if (!res.ok) throw new Error(`login failed: HTTP ${res.status} ${await res.text()}`);
  const body = loginSchema.parse(await res.json());
  say(`signed in as ${body.user.id} (${body.user.role})`);
  return body.accessToken;
}

let current = '';

async function token(): Promise<string> {
  current = await signedIn();
  return current;
}

async function signedIn(): Promise<string> {
  if (values.email && values.password) return login();
  const t = values.token ?? process.env.MICRORIDE_TOKEN;
  if (!t) {
    say(usage);
    process.exit(2);
  }
  return t;
}

let since = values.since;
let attempt = 0;

/** Resume after these: the server (or the network) went away, nothing is wrong with us. */
const RESUMABLE = new Set([1001, 1006, 1011, 1012, 1013, 4008]);

async function run(): Promise<void> {
  const url = new URL(values.url);
  if (since) url.searchParams.set('since', since);
  // The sub-protocol keeps the token out of URLs (and so out of proxy logs).
  const ws = new WebSocket(url, ['bearer', await token()]);
  ws.on('open', () => {
    attempt = 0;
    say(`connected to ${values.url}${since ? ` (resuming after ${since})` : ''}`);
  });
  ws.on('unexpected-response', (_req, res) => {
    let body = '';
    res.on('data', (c: Buffer) => (body += c.toString()));
    res.on('end', () => {
      say(`refused: HTTP ${res.statusCode} ${body}`);
      process.exit(res.statusCode === 401 ? 3 : 1);
    });
  });
  ws.on('message', (raw) => {
    const parsed = messageSchema.safeParse(JSON.parse(String(raw)));
    if (!parsed.success) return say(`unexpected message: ${String(raw)}`);
    const m = parsed.data;
    if (m.id) since = m.id;
    const live = m.type === LIVE_POSITION_MESSAGE ? livePosition.safeParse(m.data) : undefined;
    if (values.json) process.stdout.write(`${JSON.stringify(m)}\n`);
    else if (live?.success) process.stdout.write(`${m.at}  ${m.type.padEnd(24)} ride ${live.data.rideId}  ${describeLive(live.data)}\n`);
    else process.stdout.write(`${m.at}  ${m.type.replace(/^microride\./, '').padEnd(24)} ${m.rideId ? `ride ${m.rideId}  ` : ''}${JSON.stringify(m.data)}  [${m.id}]\n`);
    if (m.type === 'microride.ride.accepted' && m.rideId) void whoIsComing(m.rideId, m.data);
  });
  ws.on('error', (err) => say(`error: ${err.message}`));
  ws.on('close', (code, reason) => {
    say(`closed: ${code} ${reason.toString()}`);
    const relogin = code === 4001 && values.email !== undefined;
    if (!RESUMABLE.has(code) && !relogin) process.exit(code === 4001 || code === 4003 ? 3 : 0);
    attempt += 1;
    const wait = Math.min(500 * 2 ** Math.min(attempt, 5), 15_000);
    say(`reconnecting in ${wait} ms…`);
    setTimeout(() => void run().catch(fail), wait);
  });
}

/** "52.51012,13.40020 ↑90° 28 km/h → pickup 1.2 km, ETA 2 min 40 s" */
function describeLive(p: LivePosition): string {
  const where = `${p.lat.toFixed(5)},${p.lon.toFixed(5)}`;
  const heading = p.heading === null ? '' : ` ↑${Math.round(p.heading)}°`;
  const speed = p.speedKmh === null ? '' : ` ${Math.round(p.speedKmh)} km/h`;
  const dist = p.distanceMeters >= 1000 ? `${(p.distanceMeters / 1000).toFixed(1)} km` : `${p.distanceMeters} m`;
  const eta = p.etaSeconds >= 60 ? `${Math.floor(p.etaSeconds / 60)} min ${p.etaSeconds % 60} s` : `${p.etaSeconds} s`;
  return `${where}${heading}${speed} → ${p.towards} ${dist}, ETA ${eta}`;
}

const cardSchema = z.object({
  firstName: z.string(),
  vehicle: z.object({ make: z.string(), model: z.string(), plate: z.string() }),
  rating: z.object({ average: z.number().nullable() }),
});

/** The driver card of an accepted ride and, when we are its rider, the code the driver must be told. */
async function whoIsComing(rideId: string, data: unknown): Promise<void> {
  const card = cardSchema.safeParse((data as { driver?: unknown } | null)?.driver);
  if (card.success) {
    const c = card.data;
    say(`  driver: ${c.firstName}, ${c.vehicle.make} ${c.vehicle.model} ${c.vehicle.plate}${c.rating.average === null ? '' : `, rated ${c.rating.average}`}`);
  }
  try {
    const res = await fetch(`${values.api}/api/v1/rides/${encodeURIComponent(rideId)}`, { headers: { authorization: `Bearer ${current}` } });
    const code = res.ok ? ((await res.json()) as { pickupCode?: unknown }).pickupCode : undefined;
    // Only the rider's view holds it: a driver's watch prints nothing here.
    if (typeof code === 'string') say(`  pickup code: ${code} (tell it to your driver when you get in)`);
  } catch (err) {
    say(`  could not read the ride: ${(err as Error).message}`);
  }
}

function fail(err: unknown): void {
  say((err as Error).message);
  process.exit(1);
}

process.on('SIGINT', () => process.exit(0));
run().catch(fail);
