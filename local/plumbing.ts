/**
 * What both local platforms (platform.ts in one process, cluster.ts across workers) run
 * next to the gateway: the notifier and the broker with its Triggers, outbox relay and
 * ticker. The notifier starts first so the broker can point its Triggers at it; if the
 * broker fails, the notifier is stopped again.
 */
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { startLocalEventing, type ExtraTrigger, type LocalEventing } from '../eventing/local.js';
import { startNotifier, type Notifier } from '../notifier/server.js';

export interface PlumbingOptions {
  gatewayUrl: string;
  host: string;
  functions: readonly FunctionSpec[];
  eventing?: false | { port?: number; extraTriggers?: readonly ExtraTrigger[]; tickScale?: number };
  notifier?: false | { port?: number; eventsPort?: number };
  log: (line: string) => void;
}

export async function startPlumbing(opts: PlumbingOptions): Promise<{ notifier: Notifier | undefined; eventing: LocalEventing | undefined }> {
  const { host, log } = opts;
  let notifier: Notifier | undefined;
  let eventing: LocalEventing | undefined;
  try {
    if (opts.notifier !== false) {
      // Its CloudEvent endpoint listens apart, on loopback (NOTIFIER_EVENTS_HOST's default).
      notifier = await startNotifier({ port: opts.notifier?.port ?? 0, host, eventsPort: opts.notifier?.eventsPort ?? 0 });
      log(`notifier listening on ${notifier.url} (websocket ${notifier.wsUrl}; CloudEvents at ${notifier.eventsUrl}/)`);
    }
    if (opts.eventing !== false) {
      eventing = await startLocalEventing({
        gatewayUrl: opts.gatewayUrl,
        ...(notifier ? { notifierUrl: notifier.eventsUrl } : {}),
        port: opts.eventing?.port ?? 0,
        host,
        functions: opts.functions,
        ...(opts.eventing?.extraTriggers ? { extraTriggers: opts.eventing.extraTriggers } : {}),
        ...(opts.eventing?.tickScale !== undefined ? { tickScale: opts.eventing.tickScale } : {}),
      });
      log(`broker ingress on ${eventing.brokerUrl} (${eventing.triggers.length} triggers on RabbitMQ)`);
    }
  } catch (err) {
    await notifier?.close();
    throw err;
  }
  return { notifier, eventing };
}
