/**
 * The local broker: a one-machine stand-in for eventing-rabbitmq on the real RabbitMQ.
 * Ingress and dispatchers use separate AMQP connections (RabbitMQ throttles publishing
 * connections under memory pressure; consumers must keep draining meanwhile).
 */
import type { Channel } from 'amqplib';
import { logger, type Logger } from '../../platform/logger.js';
import { broker as defaultBroker, type BrokerDef, type TriggerDef } from '../../contracts/triggers.js';
import { openAmqpLink } from './connection.js';
import type { Consumer } from './consumer.js';
import { startDeadLetterDispatcher } from './deadletter.js';
import { startDispatcher } from './dispatcher.js';
import { startIngress } from './ingress.js';
import { createPublisher } from './publisher.js';
import { retryPolicyOf } from './retry.js';
import { checkDefaultTtl, DEFAULT_BROKER_TTL } from './ttl.js';
import { declareExchanges, declareTrigger, deleteTopology, topologyNames, type QueueType, type TopologyNames } from './topology.js';

export interface BrokerOptions {
  amqpUrl: string;
  /** Prepended to every exchange and queue name (BROKER_PREFIX). */
  prefix: string;
  /** Ingress port; 0 picks a free one. */
  port: number;
  host?: string;
  triggers: readonly TriggerDef[];
  broker?: BrokerDef;
  /** URL the Trigger's dispatcher POSTs to. */
  subscriberUrl(trigger: TriggerDef): string;
  /** URL of the dead-letter sink (one for all, or per Trigger); undefined = no dead letters. */
  deadLetterUrl?: string | ((trigger: TriggerDef) => string | undefined);
  queueType?: QueueType;
  /** Per-request timeout towards subscribers. */
  requestTimeoutMs?: number;
  /** How long start-up waits for RabbitMQ before giving up. */
  connectTimeoutMs?: number;
  /**
   * knativebrokerttl the ingress gives events that arrive without one: how many times an
   * event and its chain of replies may go through the Broker (default DEFAULT_BROKER_TTL, 255).
   */
  defaultTtl?: number;
  log?: Logger;
}

export interface RunningBroker {
  /** Ingress URL: set K_SINK to it. */
  url: string;
  port: number;
  names: TopologyNames;
  /** Stops ingress and dispatchers (in-flight deliveries finish) and closes the connections. */
  close(): Promise<void>;
  /** Deletes this broker's exchanges and queues (tests). */
  deleteTopology(): Promise<void>;
}

export async function startBroker(opts: BrokerOptions): Promise<RunningBroker> {
  const def = opts.broker ?? defaultBroker;
  const names = topologyNames(opts.prefix, def.name);
  const queueType = opts.queueType ?? def.queueType;
  const log = (opts.log ?? logger()).child({ component: 'broker', broker: def.name });
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const sinkOf = (t: TriggerDef): string | undefined => {
    if (t.deadLetterSink === undefined) return undefined;
    return typeof opts.deadLetterUrl === 'function' ? opts.deadLetterUrl(t) : opts.deadLetterUrl;
  };
  // Validate every delivery spec (and the TTL) before touching RabbitMQ.
  const policies = new Map(opts.triggers.map((t) => [t.name, retryPolicyOf(t.delivery)]));
  const defaultTtl = checkDefaultTtl(opts.defaultTtl ?? DEFAULT_BROKER_TTL);

  const declareAll = async (ch: Channel) => {
    await declareExchanges(ch, names);
    for (const t of opts.triggers) await declareTrigger(ch, names, sinkOf(t) === undefined ? { ...t, deadLetterSink: undefined } : t, queueType);
  };

  const ingressLink = openAmqpLink({ url: opts.amqpUrl, name: `${opts.prefix}ingress`, log });
  const dispatchLink = openAmqpLink({ url: opts.amqpUrl, name: `${opts.prefix}dispatcher`, log });
  const consumers: Consumer[] = [];
  let ingress: Awaited<ReturnType<typeof startIngress>> | undefined;
  try {
    // Topology first, on every (re)connect, so publishing and consuming never race it.
    for (const link of [ingressLink, dispatchLink]) {
      await link.onConnect(async (conn) => {
        const ch = await conn.createChannel();
        try {
          await declareAll(ch);
        } finally {
          await ch.close().catch(() => undefined);
        }
      });
    }
    const publisher = await createPublisher(ingressLink);
    const deadLetters = await createPublisher(dispatchLink);
    const served = await startIngress({ port: opts.port, ...(opts.host ? { host: opts.host } : {}), publisher, exchange: names.exchange, log, defaultTtl });
    ingress = served;

    for (const trigger of opts.triggers) {
      const policy = policies.get(trigger.name)!;
      const sink = sinkOf(trigger);
      consumers.push(
        await startDispatcher({
          link: dispatchLink,
          names,
          trigger,
          subscriberUrl: opts.subscriberUrl(trigger),
          ingressUrl: served.url,
          policy,
          deadLetters: sink === undefined ? undefined : deadLetters,
          timeoutMs,
          defaultTtl,
          log,
        }),
      );
      if (sink !== undefined) {
        consumers.push(await startDeadLetterDispatcher({ link: dispatchLink, names, trigger, sinkUrl: sink, policy, timeoutMs, log }));
      }
    }
    const wait = opts.connectTimeoutMs ?? 15_000;
    await Promise.all([ingressLink.ready(wait), dispatchLink.ready(wait)]);
    log.info({ url: served.url, triggers: opts.triggers.length, exchange: names.exchange }, 'broker ready');

    let closed = false;
    return {
      url: served.url,
      port: served.port,
      names,
      async close() {
        if (closed) return;
        closed = true;
        await served.close();
        await Promise.all(consumers.map((c) => c.close()));
        await Promise.all([ingressLink.close(), dispatchLink.close()]);
      },
      async deleteTopology() {
        const link = openAmqpLink({ url: opts.amqpUrl, name: `${opts.prefix}cleanup`, log });
        try {
          const conn = await link.ready(5_000);
          const ch = await conn.createChannel();
          await deleteTopology(ch, names, opts.triggers);
          await ch.close();
        } finally {
          await link.close();
        }
      },
    };
  } catch (err) {
    await ingress?.close();
    await Promise.all(consumers.map((c) => c.close(0)));
    await Promise.all([ingressLink.close(), dispatchLink.close()]);
    throw err;
  }
}

export type { TriggerDef, BrokerDef } from '../../contracts/triggers.js';
export { DEFAULT_BROKER_TTL, TTL_ATTRIBUTE } from './ttl.js';
