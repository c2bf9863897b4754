/**
 * Two uWS apps on two ports. The public one (NOTIFIER_PORT): `GET /ws` (auth before
 * upgrade), `/health/liveness`, `/health/readiness`, `/metrics`. The events one
 * (NOTIFIER_EVENTS_PORT, loopback by default): `POST /`, the CloudEvents from the Triggers —
 * kept off the websocket port so that only the broker can deliver (a client that can
 * reach /ws cannot forge a ride event). startNotifier() wires them to Redis (commands, one
 * subscriber connection) and returns a handle with a graceful close().
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { redis as sharedRedis, rkey } from '../platform/clients.js';
import { config } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { verificationKey } from '../platform/auth/keys.js';
import { revocationsChannel } from '../platform/auth/session-cache.js';
import { HttpProblem } from '../platform/problem.js';
import { uWS, type HttpResponse, type TemplatedApp, type us_listen_socket } from './native.js';
import { notifierConfig, type NotifierConfig } from './config.js';
import { createMetrics, type Metrics } from './metrics.js';
import { CloseCode, Hub, newConn, type Conn } from './connections.js';
import { subscribe } from './fanout.js';
import { authorizeUpgrade, parseUpgrade } from './upgrade-auth.js';
import { handleCloudEvent } from './cloudevents.js';
import { eventAuthenticatorFromSettings } from '../platform/events/oidc.js';
import { fanoutChannel, lastId, type StreamLimits } from './streams.js';
import { liveChannel } from '../contracts/live-position.js';
import { OpsHub, newOpsConn, type OpsConn } from './ops-channel.js';

export interface NotifierOptions {
  /** 0 picks a free port. Default NOTIFIER_PORT (8081). */
  port?: number;
  /** Default NOTIFIER_HOST (0.0.0.0). */
  host?: string;
  /** Port of the CloudEvent endpoint; 0 picks a free port. Default NOTIFIER_EVENTS_PORT (8084). */
  eventsPort?: number;
  /** Default NOTIFIER_EVENTS_HOST (127.0.0.1). */
  eventsHost?: string;
  /** Overrides of the NOTIFIER_* settings (tests, bench). */
  settings?: Partial<NotifierConfig>;
}

export interface Notifier {
  /** http://host:port — the websocket port: health and metrics here, no CloudEvents. */
  url: string;
  /** ws://host:port/ws */
  wsUrl: string;
  port: number;
  /** http://eventsHost:eventsPort — the CloudEvent endpoint is POST `${eventsUrl}/`. */
  eventsUrl: string;
  eventsPort: number;
  metrics: Metrics;
  connections(): number;
  /** The admin-only operations channel of this replica (GET /ops). */
  ops: OpsHub;
  /** Graceful: stop accepting, finish in-flight CloudEvents, close sockets with 1001. */
  close(): Promise<void>;
}

const STATUS_LINE: Record<number, string> = {
  200: '200 OK',
  202: '202 Accepted',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  413: '413 Content Too Large',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

interface Reply {
  status: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  closeConnection?: boolean;
}

function send(res: HttpResponse, r: Reply): void {
  res.writeStatus(STATUS_LINE[r.status] ?? `${r.status} Status`);
  if (r.body !== undefined) res.writeHeader('content-type', r.contentType ?? 'application/json');
  for (const [k, v] of Object.entries(r.headers ?? {})) res.writeHeader(k, v);
  res.end(r.body ?? '', r.closeConnection ?? false);
}

function problem(status: number, detail: string, headers: Record<string, string> = {}): Reply {
  const body = new HttpProblem(status, detail).toJSON();
  return { status, body: JSON.stringify(body), contentType: 'application/problem+json', headers };
}

function problemOf(err: unknown): Reply {
  // toJSON keeps `errors` (e.g. the refused query `token`); headers travel separately.
  if (err instanceof HttpProblem) return { status: err.status, body: JSON.stringify(err.toJSON()), contentType: 'application/problem+json', headers: err.extra.headers ?? {} };
  return problem(503, 'cannot verify the access token right now; retry');
}

// The native App has close() (all sockets, listen sockets included) since v20.26; this
// package's index.d.ts predates it.
type AppWithClose = TemplatedApp & { close(): void };

export async function startNotifier(opts: NotifierOptions = {}): Promise<Notifier> {
  const cfg = { ...notifierConfig(), ...opts.settings };
  const host = opts.host ?? cfg.NOTIFIER_HOST;
  const eventsHost = opts.eventsHost ?? cfg.NOTIFIER_EVENTS_HOST;
  const log = logger().child({ fn: 'notifier' });
  await verificationKey(); // fail at start, not at the first connection, if the key is missing
  // EVENT_OIDC=on: POST / takes events only with a token for the notifier's audience.
  const authenticate = eventAuthenticatorFromSettings();

  const redis: Redis = sharedRedis();
  const sub = redis.duplicate();
  sub.on('error', () => undefined); // reconnects are reported by readiness

  let inflight = 0;
  let draining = false;
  // The gauges read the hub lazily (at scrape time), so it can be built after them.
  const metrics = createMetrics({ connections: () => hub.connections, users: () => hub.users, inflightEvents: () => inflight });
  const hub = new Hub({
    redis,
    metrics,
    maxBackpressure: cfg.NOTIFIER_MAX_BACKPRESSURE,
    maxSocketsPerUser: cfg.NOTIFIER_MAX_SOCKETS_PER_USER,
    streamTtlSeconds: cfg.NOTIFIER_STREAM_TTL_SECONDS,
    log,
  });
  const ops = new OpsHub({ redis, log: log.child({ channel: 'ops' }), maxBackpressure: cfg.NOTIFIER_OPS_MAX_BACKPRESSURE, intervalMs: cfg.NOTIFIER_OPS_INTERVAL_MS });
  const limits: StreamLimits = {
    maxLen: cfg.NOTIFIER_STREAM_MAXLEN,
    ttlSeconds: cfg.NOTIFIER_STREAM_TTL_SECONDS,
    dedupeTtlSeconds: cfg.NOTIFIER_DEDUPE_TTL_SECONDS,
  };

  await subscribe(
    sub,
    { fanout: fanoutChannel(), revocations: revocationsChannel(), live: rkey(...liveChannel()) },
    {
      onPublication(p) {
        metrics.fanout.inc();
        for (const r of p.recipients) hub.deliver(r.userId, { id: r.id, prev: r.prev, ...p.message });
      },
      onLive(p) {
        hub.deliverLive(p.userId, p.text, p.t);
      },
      onRevoked(sessionId) {
        const n = hub.closeSession(sessionId, CloseCode.TOKEN_REVOKED, 'token revoked');
        if (n) metrics.revocations.inc({ path: 'pubsub' }, n);
        for (const c of ops.bySession(sessionId)) c.ws?.end(CloseCode.TOKEN_REVOKED, 'token revoked');
      },
      onResubscribed() {
        log.warn('fan-out subscription re-established; re-reading streams of local sockets');
        hub.catchUpAll().catch((err: unknown) => log.error({ err }, 'catch-up after resubscribe failed'));
      },
    },
  );

  const app = uWS.App() as AppWithClose;
  const events = uWS.App() as AppWithClose;

  app.ws<Conn>('/ws', {
    compression: uWS.DISABLED,
    maxPayloadLength: 1024, // clients have nothing to say; a large frame is a misbehaving client
    idleTimeout: cfg.NOTIFIER_IDLE_TIMEOUT_SECONDS,
    sendPingsAutomatically: true,
    // Hub.write enforces NOTIFIER_MAX_BACKPRESSURE itself (and closes with 4008); this
    // hard limit sits above it so the close frame still fits behind a full buffer.
    maxBackpressure: cfg.NOTIFIER_MAX_BACKPRESSURE * 2 + 4096,
    closeOnBackpressureLimit: 0,

    upgrade(res, req, context) {
      // req is only valid until this function returns: copy everything first.
      const request = { query: req.getQuery() ?? '', protocol: req.getHeader('sec-websocket-protocol') };
      const key = req.getHeader('sec-websocket-key');
      const extensions = req.getHeader('sec-websocket-extensions');
      if (draining) {
        metrics.upgrades.inc({ outcome: 'unavailable' });
        send(res, { ...problem(503, 'notifier shutting down; connect again'), closeConnection: true });
        return;
      }
      let parsed: ReturnType<typeof parseUpgrade>;
      try {
        parsed = parseUpgrade(request, { queryToken: cfg.NOTIFIER_QUERY_TOKEN }); // syntax only: a missing token or bad `since` is answered at once
      } catch (err) {
        const r = problemOf(err);
        metrics.upgrades.inc({ outcome: r.status === 401 ? 'unauthorized' : 'bad_request' });
        send(res, { ...r, closeConnection: true });
        return;
      }
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
        metrics.upgrades.inc({ outcome: 'aborted' });
      });
      void (async (): Promise<{ conn: Conn; protocol: string } | Reply> => {
        try {
          const grant = await authorizeUpgrade(parsed);
          const p = grant.principal;
          // No `since`: the socket starts at the stream's current end, read here, before
          // the upgrade; open() replays anything after it, so nothing falls in between.
          const start = grant.since ?? (await lastId(redis, p.userId));
          const conn = newConn({ userId: p.userId, sessionId: p.sessionId, expiresAt: p.expiresAt, lastId: start, resumeFrom: grant.since });
          return { conn, protocol: grant.protocol };
        } catch (err) {
          if (!(err instanceof HttpProblem)) log.error({ err }, 'upgrade check failed');
          return problemOf(err);
        }
      })().then((outcome) => {
        if (aborted) return;
        res.cork(() => {
          if ('status' in outcome) {
            metrics.upgrades.inc({ outcome: outcome.status === 401 ? 'unauthorized' : outcome.status === 503 ? 'unavailable' : 'bad_request' });
            send(res, { ...outcome, closeConnection: true });
          } else if (draining) {
            metrics.upgrades.inc({ outcome: 'unavailable' });
            send(res, { ...problem(503, 'notifier shutting down; connect again'), closeConnection: true });
          } else {
            metrics.upgrades.inc({ outcome: 'accepted' });
            res.upgrade(outcome.conn, key, outcome.protocol, extensions, context);
          }
        });
      });
    },
    open(ws) {
      hub.attach(ws.getUserData(), ws);
    },
    message() {
      // Nothing to receive: the channel is server → client. Pings/pongs are handled by uWS.
    },
    close(ws, code) {
      metrics.closes.inc({ code: String(code) });
      hub.detach(ws.getUserData());
    },
  });

  // The operations console's channel: admins only, decided before the upgrade like /ws
  // (a rider's or driver's valid token is 403 and no socket exists). ops-channel.ts.
  app.ws<OpsConn>('/ops', {
    compression: uWS.DISABLED,
    maxPayloadLength: 1024,
    idleTimeout: cfg.NOTIFIER_IDLE_TIMEOUT_SECONDS,
    sendPingsAutomatically: true,
    maxBackpressure: cfg.NOTIFIER_OPS_MAX_BACKPRESSURE * 4 + 4096,
    closeOnBackpressureLimit: 0,
    upgrade(res, req, context) {
      const request = { query: req.getQuery() ?? '', protocol: req.getHeader('sec-websocket-protocol') };
      const key = req.getHeader('sec-websocket-key');
      const extensions = req.getHeader('sec-websocket-extensions');
      const refuse = (r: Reply, outcome: string) => {
        metrics.upgrades.inc({ outcome });
        send(res, { ...r, closeConnection: true });
      };
      if (draining) return refuse(problem(503, 'notifier shutting down; connect again'), 'unavailable');
      let parsed: ReturnType<typeof parseUpgrade>;
      try {
        parsed = parseUpgrade(request, { queryToken: cfg.NOTIFIER_QUERY_TOKEN });
      } catch (err) {
        const r = problemOf(err);
        return refuse(r, r.status === 401 ? 'unauthorized' : 'bad_request');
      }
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
        metrics.upgrades.inc({ outcome: 'aborted' });
      });
      void authorizeUpgrade(parsed).then(
        (grant) => {
          if (aborted) return;
          res.cork(() => {
            if (grant.principal.role !== 'admin') return refuse(problem(403, 'the operations channel is for admin accounts'), 'forbidden');
            if (draining) return refuse(problem(503, 'notifier shutting down; connect again'), 'unavailable');
            metrics.upgrades.inc({ outcome: 'accepted' });
            const p = grant.principal;
            res.upgrade(newOpsConn({ userId: p.userId, sessionId: p.sessionId, expiresAt: p.expiresAt }), key, grant.protocol, extensions, context);
          });
        },
        (err: unknown) => {
          if (!(err instanceof HttpProblem)) log.error({ err }, 'ops upgrade check failed');
          if (aborted) return;
          const r = problemOf(err);
          res.cork(() => refuse(r, r.status === 401 ? 'unauthorized' : 'unavailable'));
        },
      );
    },
    open(ws) {
      ops.attach(ws.getUserData(), ws, () => ws.getUserData().closed || ws.end(CloseCode.TOKEN_EXPIRED, 'token expired'));
    },
    message() {
      // Server → console only.
    },
    close(ws, code) {
      metrics.closes.inc({ code: String(code) });
      ops.detach(ws.getUserData());
    },
  });

  events.post('/', (res, req) => {
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = v;
    });
    if (draining) {
      metrics.events.inc({ outcome: 'unavailable' });
      send(res, { ...problem(503, 'notifier shutting down; deliver to another replica'), closeConnection: true });
      return;
    }
    const receivedAt = Date.now();
    let aborted = false;
    let settled = false;
    inflight += 1;
    const done = () => {
      if (!settled) {
        settled = true;
        inflight -= 1;
      }
    };
    res.onAborted(() => {
      aborted = true;
      done();
    });
    const finish = (r: Reply) => {
      if (!aborted) res.cork(() => send(res, r));
      done();
    };
    const chunks: Buffer[] = [];
    let size = 0;
    const handle = (body: string) => {
      handleCloudEvent(headers, body, { redis, limits, metrics, log, authenticate }, receivedAt).then(
        (r) => finish(r.status < 300 ? { status: r.status } : problem(r.status, r.detail ?? '', r.headers)),
        (err: unknown) => {
          log.error({ err }, 'CloudEvent handler failed');
          finish(problem(500, 'unexpected error'));
        },
      );
    };
    if (headers['content-length'] === '0' && !headers['transfer-encoding']) {
      handle('');
      return;
    }
    res.onData((chunk, isLast) => {
      if (settled) return;
      size += chunk.byteLength;
      if (size > cfg.NOTIFIER_MAX_BODY_BYTES) {
        finish({ ...problem(413, `CloudEvent larger than ${cfg.NOTIFIER_MAX_BODY_BYTES} bytes`), closeConnection: true });
        return;
      }
      chunks.push(Buffer.from(new Uint8Array(chunk))); // copies: uWS neuters `chunk` on return
      if (isLast) handle(Buffer.concat(chunks).toString('utf8'));
    });
  });

  app.get('/health/liveness', (res) => {
    send(res, { status: 200, body: '{"status":"ok"}' });
  });

  app.get('/health/readiness', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void (async () => {
      const checks: Record<string, string> = {};
      try {
        await Promise.race([redis.ping(), sleep(1000).then(() => Promise.reject(new Error('no answer within 1000 ms')))]);
        checks.redis = 'ok';
      } catch (err) {
        checks.redis = `down: ${(err as Error).message}`;
      }
      checks.fanout = sub.status === 'ready' ? 'ok' : `down: subscriber ${sub.status}`;
      if (draining) checks.shutdown = 'draining';
      const ready = !draining && checks.redis === 'ok' && checks.fanout === 'ok';
      if (!aborted) res.cork(() => send(res, { status: ready ? 200 : 503, body: JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }) }));
    })();
  });

  app.get('/metrics', (res) => {
    send(res, { status: 200, body: metrics.render(), contentType: 'text/plain; version=0.0.4; charset=utf-8' });
  });

  // POST / included: CloudEvents are taken on the events port only.
  app.any('/*', (res) => {
    send(res, problem(404, 'no such endpoint (GET /ws, /ops, /health/*, /metrics)'));
  });
  events.any('/*', (res) => {
    send(res, problem(404, 'no such endpoint (POST / takes CloudEvents)'));
  });

  const listenOn = (which: AppWithClose, h: string, p: number, what: string) =>
    new Promise<us_listen_socket>((resolve, reject) => {
      which.listen(h, p, (token) => {
        if (token) resolve(token);
        else reject(new Error(`notifier could not listen for ${what} on ${h}:${p} (in use?)`));
      });
    });
  const listenSocket = await listenOn(app, host, opts.port ?? cfg.NOTIFIER_PORT, 'websockets');
  let eventsSocket: us_listen_socket;
  try {
    eventsSocket = await listenOn(events, eventsHost, opts.eventsPort ?? cfg.NOTIFIER_EVENTS_PORT, 'CloudEvents');
  } catch (err) {
    app.close();
    events.close();
    await sub.quit().catch(() => sub.disconnect());
    throw err;
  }
  const port = uWS.us_socket_local_port(listenSocket);
  const eventsPort = uWS.us_socket_local_port(eventsSocket);
  const shown = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
  const shownHost = shown(host);

  const sweep = setInterval(() => {
    hub.sweepRevoked().catch((err: unknown) => log.warn({ err }, 'revocation sweep failed'));
  }, cfg.NOTIFIER_REVOCATION_SWEEP_SECONDS * 1000);
  sweep.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      uWS.us_listen_socket_close(listenSocket);
      uWS.us_listen_socket_close(eventsSocket);
      clearInterval(sweep);
      const deadline = Date.now() + config().SHUTDOWN_TIMEOUT_MS;
      while (inflight > 0 && Date.now() < deadline) await sleep(10);
      // The publications of those last events come back on `sub`; a PING answered on the
      // same connection comes after them, so once it returns they have been delivered.
      await Promise.race([sub.ping().catch(() => undefined), sleep(1000)]);
      hub.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
      for (const c of ops.all()) c.ws?.end(CloseCode.GOING_AWAY, 'server shutting down');
      await sleep(50); // let the close frames leave before every connection is cut
      app.close();
      events.close();
      await sub.quit().catch(() => sub.disconnect());
      log.info('notifier stopped');
    })());

  log.info({ port, eventsPort, eventsHost }, 'notifier listening');
  return {
    url: `http://${shownHost}:${port}`,
    wsUrl: `ws://${shownHost}:${port}/ws`,
    port,
    eventsUrl: `http://${shown(eventsHost)}:${eventsPort}`,
    eventsPort,
    metrics,
    connections: () => hub.connections,
    ops,
    close,
  };
}
