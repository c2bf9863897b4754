/**
 * What a PingSource does in the cluster, for one machine: every scheduled event function
 * in the catalog (`schedule.everySeconds`) gets its subscription's event type emitted on
 * a timer. One timer per event type (matching-sweep and rides-sweep share the tick).
 * `npm start` and tests call startTicker with the broker's ingress URL.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { catalog } from '../contracts/catalog.js';
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { sendEvent } from '../platform/events/emit.js';
import { logger } from '../platform/logger.js';
import { tickEvent } from '../platform/tick.js';

export interface Ticker {
  /** Emits every scheduled type once, now (tests use it instead of waiting). */
  tick(): Promise<void>;
  stop(): void;
}

/** type → the shortest interval any subscriber asked for. */
export function scheduledTypes(functions: readonly FunctionSpec[] = catalog): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of functions) {
    if (f.kind !== 'event' || !f.schedule) continue;
    for (const s of f.subscriptions) {
      const type = s.filter.type;
      if (!type) continue;
      out.set(type, Math.min(out.get(type) ?? Infinity, f.schedule.everySeconds));
    }
  }
  return out;
}

export function startTicker(opts: { sink: string; functions?: readonly FunctionSpec[]; intervalScale?: number }): Ticker {
  const log = logger().child({ component: 'ticker' });
  const types = scheduledTypes(opts.functions);
  const emit = async (type: string) => {
    try {
      await sendEvent(new CloudEvent<unknown>(tickEvent(type, randomUUID())), { sink: opts.sink, timeoutMs: 5_000 });
    } catch (err) {
      // A missed tick is made up by the next one; say so and carry on.
      log.warn({ type, err: (err as Error).message }, 'tick not delivered');
    }
  };
  const timers = [...types].flatMap(([type, seconds]) => {
    const ms = seconds * 1000 * (opts.intervalScale ?? 1);
    // Timers beyond 2^31 ms fire at once in Node: "never" must mean no timer at all.
    if (!Number.isFinite(ms) || ms > 2 ** 31 - 1) return [];
    const t = setInterval(() => void emit(type), ms);
    t.unref();
    return [t];
  });
  return {
    tick: async () => {
      await Promise.all([...types.keys()].map(emit));
    },
    stop: () => timers.forEach(clearInterval),
  };
}
