/**
 * The platform WITH its event plumbing for tests and benchmarks: gateway + every
 * function, the local broker on RabbitMQ (catalog Triggers plus any observer Triggers a
 * test adds), the outbox relays and the ticker — i.e. startPlatform with eventing on.
 */
import { startPlatform, type Platform } from '../../local/platform.js';
import type { ExtraTrigger } from '../../eventing/local.js';

export type { ExtraTrigger };

export interface EventStack {
  platform: Platform;
  url: string;
  brokerUrl: string;
  ticker: { tick(): Promise<void> };
  close(opts?: { deleteTopology?: boolean }): Promise<void>;
}

export interface EventStackOptions {
  port?: number;
  extraTriggers?: readonly ExtraTrigger[];
  /** Ticker intervals × this; a large number = tick only by hand. */
  tickScale?: number;
  /** Called once K_SINK and TRACKING_URL are set, so settings that cache the environment re-read it. */
  onEnvChanged?: () => void;
  /** Run the notifier too (default false). */
  notifier?: boolean;
}

export async function startEventStack(opts: EventStackOptions = {}): Promise<EventStack> {
  const platform = await startPlatform({
    port: opts.port ?? 0,
    eventing: {
      ...(opts.extraTriggers ? { extraTriggers: opts.extraTriggers } : {}),
      ...(opts.tickScale !== undefined ? { tickScale: opts.tickScale } : {}),
    },
    notifier: opts.notifier ? {} : false,
  });
  opts.onEnvChanged?.();
  const eventing = platform.eventing;
  if (!eventing) throw new Error('eventing did not start');
  return {
    platform,
    url: platform.url,
    brokerUrl: eventing.brokerUrl,
    ticker: { tick: () => eventing.tick() },
    async close(o = {}) {
      await platform.close();
      if (o.deleteTopology !== false) await eventing.broker.deleteTopology().catch(() => undefined);
    },
  };
}
