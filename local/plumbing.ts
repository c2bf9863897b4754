/**
 * What both local platforms (platform.ts in one process, cluster.ts across workers) run
 * next to the gateway: the notifier and the broker with its Triggers, outbox relay and
 * ticker. The notifier starts first so the broker can point its Triggers at it; if the
 * broker fails, the notifier is stopped again.
 */
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { startLocalEventing, type ExtraTrigger, type LocalEventing } from '../eventing/local.js';
import { startNotifier, type Notifier } from '../notifier/server.js';

/**
 * Where the platform's event endpoints bind (the functions' internal listener, the
 * notifier's CloudEvent endpoint and the broker's ingress), whatever HOST says: only processes on this machine —
 * the broker's dispatchers, functions calling each other — may deliver events.
 */
export const INTERNAL_HOST = '127.0.0.1';

export interface PlumbingOptions {
  /** The internal listener (functions at /_fn/<name>), where the Triggers deliver. */
  internalUrl: string;
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
      notifier = await startNotifier({ port: opts.notifier?.port ?? 0, host, eventsPort: opts.notifier?.eventsPort ?? 0, eventsHost: INTERNAL_HOST });
      log(`notifier listening on ${notifier.url} (websocket ${notifier.wsUrl}; CloudEvents at ${notifier.eventsUrl}/, this machine only)`);
    }
    if (opts.eventing !== false) {
      eventing = await startLocalEventing({
        internalUrl: opts.internalUrl,
        ...(notifier ? { notifierUrl: notifier.eventsUrl } : {}),
        port: opts.eventing?.port ?? 0,
        // Its ingress takes any CloudEvent and the Triggers deliver it: as much an event
        // endpoint as the functions' own, so it is this machine's only.
        host: INTERNAL_HOST,
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
