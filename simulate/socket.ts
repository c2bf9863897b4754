/**
 * A simulated app's notifier websocket: the access token as sub-protocols
 * (`bearer, <token>`), the last message id kept, and a reconnect with `?since=` after the
 * server or the network went away, with a fresh token after 4001 (token expired).
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { LIVE_POSITION_MESSAGE } from '../contracts/live-position.js';
import type { Session } from './session.js';
import type { Stats } from './stats.js';

export const pushSchema = z.object({
  id: z.string(),
  type: z.string(),
  rideId: z.string().optional(),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type Push = z.infer<typeof pushSchema>;

const livePush = z.object({ type: z.literal(LIVE_POSITION_MESSAGE), rideId: z.string() });
const isLivePosition = (raw: WebSocket.RawData): boolean => {
  try {
    return livePush.safeParse(JSON.parse(String(raw))).success;
  } catch {
    return false;
  }
};

/** Another socket of this user took over (4029) or the session was revoked (4003): do not fight it. */
const FINAL = new Set([4003, 4029]);

export interface AppSocket {
  close(): void;
}

/** Resolves once the first connection is open (pushes sent before that would only be replayed later). */
export function connect(wsUrl: string, session: Session, stats: Stats, onPush: (p: Push) => void): Promise<AppSocket> {
  let since: string | undefined;
  let stopped = false;
  let ws: WebSocket | undefined;
  let backoff = 250;

  const open = (first: (ok: boolean, err?: Error) => void) => {
    const url = new URL(wsUrl);
    if (since) url.searchParams.set('since', since);
    const socket = new WebSocket(url, ['bearer', session.token], { perMessageDeflate: false });
    ws = socket;
    socket.on('open', () => {
      stats.count.wsConnects += 1;
      backoff = 250;
      first(true);
    });
    socket.on('message', (raw) => {
      let parsed: ReturnType<typeof pushSchema.safeParse>;
      try {
        parsed = pushSchema.safeParse(JSON.parse(String(raw)));
      } catch {
        stats.error('websocket: message not JSON');
        return;
      }
      if (!parsed.success) {
        // A live driver position carries no id (it is not replayed); a simulated rider has no screen to draw it on.
        if (isLivePosition(raw)) stats.count.livePositions += 1;
        else stats.error('websocket: unexpected message');
        return;
      }
      since = parsed.data.id;
      onPush(parsed.data);
    });
    socket.on('unexpected-response', (_req, res) => {
      first(false, new Error(`websocket upgrade answered HTTP ${res.statusCode}`));
      socket.terminate();
    });
    socket.on('error', (err) => first(false, err));
    socket.on('close', (code) => {
      if (stopped || socket !== ws) return;
      if (FINAL.has(code)) {
        stats.error(`websocket closed ${code}`);
        return;
      }
      const again = async () => {
        if (code === 4001) await session.refresh();
        setTimeout(() => !stopped && open(() => undefined), backoff).unref();
        backoff = Math.min(backoff * 2, 10_000);
      };
      void again();
    });
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    open((ok, err) => {
      if (settled) return;
      settled = true;
      if (!ok) {
        stopped = true;
        return reject(err ?? new Error('websocket failed'));
      }
      resolve({
        close() {
          stopped = true;
          ws?.close(1000);
        },
      });
    });
  });
}
