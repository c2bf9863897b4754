/**
 * The platform WITH its event plumbing, as `npm start` will run it once local/platform.ts
 * does: gateway + every function, the local broker on RabbitMQ (Triggers derived from the
 * catalog, plus any extra ones a test or bench adds), the outbox relays, and the ticker.
 * Used by the ride tests and the rides benchmark until startPlatform starts these itself.
 */
import { startPlatform, type Platform } from '../../local/platform.js';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { triggersFromCatalog, type TriggerDef } from '../../eventing/triggers.js';
import { startOutboxRelay, type OutboxRelay } from '../../functions/runtime/events/outbox.js';
import { startTicker, type Ticker } from '../../functions/matching/ticker.js';
import { serviceMigrations } from '../../functions/migrations.js';
import { config, resetConfig } from '../../functions/runtime/config.js';
import { db, schemaName } from '../../functions/runtime/clients.js';

export interface EventStack {
  platform: Platform;
  url: string;
  brokerUrl: string;
  ticker: Ticker;
  close(opts?: { deleteTopology?: boolean }): Promise<void>;
}

export interface ExtraTrigger {
  name: string;
  filter: Record<string, string>;
  url: string;
  parallelism?: number;
}

export interface EventStackOptions {
  port?: number;
  extraTriggers?: readonly ExtraTrigger[];
  /** Ticker intervals × this; a large number = tick only by hand. */
  tickScale?: number;
  /** Called after K_SINK is set, so service settings that cache the environment re-read it. */
  onEnvChanged?: () => void;
}

export async function startEventStack(opts: EventStackOptions = {}): Promise<EventStack> {
  const platform = await startPlatform({ port: opts.port ?? 0 });
  const extra = new Map((opts.extraTriggers ?? []).map((t) => [t.name, t]));
  const triggers: TriggerDef[] = [
    ...triggersFromCatalog(),
    ...[...extra.values()].map((t) => ({
      name: t.name,
      broker: 'microride',
      filter: t.filter,
      delivery: { retry: 0, backoffPolicy: 'linear' as const, backoffDelay: 'PT0.1S' },
      parallelism: t.parallelism ?? 8,
      subscriber: t.name,
      deadLetterSink: undefined,
    })),
  ];
  let broker: RunningBroker | undefined;
  let relay: OutboxRelay | undefined;
  try {
    broker = await startBroker({
      amqpUrl: config().RABBITMQ_URL,
      prefix: config().BROKER_PREFIX,
      port: 0,
      triggers,
      queueType: 'classic',
      subscriberUrl: (t) => extra.get(t.name)?.url ?? `${platform.url}/_fn/${t.subscriber}`,
      deadLetterUrl: `${platform.url}/_fn/eventing-deadletters`,
    });
    process.env.K_SINK = broker.url;
    process.env.TRACKING_URL ??= platform.url;
    resetConfig();
    opts.onEnvChanged?.();
    const withOutbox = (await db()
      .select('table_schema')
      .from('information_schema.tables')
      .where({ table_name: 'outbox' })
      .whereIn('table_schema', Object.keys(serviceMigrations).map(schemaName))) as { table_schema: string }[];
    const services = Object.keys(serviceMigrations).filter((s) => withOutbox.some((r) => r.table_schema === schemaName(s)));
    relay = await startOutboxRelay({ services, sink: broker.url });
  } catch (err) {
    await broker?.close();
    await platform.close();
    throw err;
  }
  const ticker = startTicker({ sink: broker.url, intervalScale: opts.tickScale ?? 1 });
  const b = broker;
  const r = relay;
  return {
    platform,
    url: platform.url,
    brokerUrl: b.url,
    ticker,
    async close(o = {}) {
      ticker.stop();
      await r.close();
      await b.close();
      if (o.deleteTopology !== false) await b.deleteTopology().catch(() => undefined);
      await platform.close();
    },
  };
}
