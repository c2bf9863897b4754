/**
 * The whole platform for ride tests, with the real broker: gateway + every function,
 * the local broker on RabbitMQ (Triggers from the catalog), the outbox relays, a ticker
 * the test drives by hand, and an observer Trigger that records every event published.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { CloudEvent, HTTP } from 'cloudevents';
import type { Platform } from '../../local/platform.js';
import { provideSettings } from '../../platform/config.js';
import { closeClients } from '../../platform/clients.js';
import { startEventStack, type EventStack } from '../helpers/event-stack.js';
import { cleanupStores } from '../helpers/platform.js';
import { rideSettings } from '../../functions/rides/settings.js';
import { matchingSettings } from '../../functions/matching/settings.js';
import { paymentSettings } from '../../functions/payments/settings.js';

export interface SeenEvent {
  id: string;
  type: string;
  source: string;
  subject: string | undefined;
  data: Record<string, unknown>;
  at: number;
}

export interface EventLog {
  all: SeenEvent[];
  /** Resolves with the first event (already seen or still to come) that matches. */
  waitFor(pred: (e: SeenEvent) => boolean, timeoutMs?: number, what?: string): Promise<SeenEvent>;
  of(rideId: string): SeenEvent[];
}

function startObserver(): Promise<{ url: string; log: EventLog; close(): Promise<void> }> {
  const all: SeenEvent[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      try {
        const e = HTTP.toEvent<unknown>({ headers, body: Buffer.concat(chunks).toString('utf8') }) as CloudEvent<unknown>;
        const data = (typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as Record<string, unknown>;
        all.push({ id: e.id, type: e.type, source: e.source, subject: e.subject, data, at: performance.now() });
        for (const w of waiters) w();
      } catch {
        // not a CloudEvent: ignore
      }
      res.writeHead(202).end();
    });
  });
  const log: EventLog = {
    all,
    of: (rideId) => all.filter((e) => e.data.rideId === rideId),
    waitFor(pred, timeoutMs = 15_000, what = 'event') {
      return new Promise((resolve, reject) => {
        const found = all.find(pred);
        if (found) return resolve(found);
        const check = () => {
          const hit = all.find(pred);
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(t);
          resolve(hit);
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${timeoutMs} ms; saw: ${all.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        log,
        close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
      }),
    ),
  );
}

export interface RidesEnv {
  readonly url: string;
  readonly platform: Platform;
  readonly events: EventLog;
  /** Emits the periodic tick now (the sweeps run through the broker). */
  tick(): Promise<void>;
}

/** Starts it all before the file's tests, with `env` set first (settings of this file); `notifier`: run the websocket notifier too. */
export function useRidesPlatform(env: Record<string, string> = {}, opts: { notifier?: boolean } = {}): RidesEnv {
  let stack: EventStack | undefined;
  let observer: Awaited<ReturnType<typeof startObserver>> | undefined;
  const resetSettings = () => {
    rideSettings.reset();
    matchingSettings.reset();
    paymentSettings.reset();
  };
  beforeAll(async () => {
    // Password hashing cost is not what these tests are about; 2^10 keeps 20 sign-ups fast.
    provideSettings({ SCRYPT_LOG_N: '10', ...env });
    resetSettings();
    observer = await startObserver();
    // Ticks only by hand (tick()), so each test decides when the sweeps run.
    stack = await startEventStack({
      tickScale: 1_000,
      extraTriggers: [{ name: 'test-observer', filter: {}, url: observer.url }],
      onEnvChanged: resetSettings,
      notifier: opts.notifier ?? false,
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await observer?.close();
    await cleanupStores();
    await closeClients();
  }, 60_000);
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} not started`);
    return v;
  };
  return {
    get url() {
      return need(stack, 'platform').url;
    },
    get platform() {
      return need(stack, 'platform').platform;
    },
    get events() {
      return need(observer, 'observer').log;
    },
    tick: () => need(stack, 'platform').ticker.tick(),
  };
}
