/**
 * The RabbitMQ objects behind a Broker and its Triggers, as eventing-rabbitmq lays them
 * out: one durable headers exchange per Broker; one durable queue per Trigger, bound
 * with the Trigger's filter attributes and x-match: all (CloudEvent attributes travel as
 * message headers); and, for dead letters, a direct exchange with one queue per Trigger.
 */
import type { Channel } from 'amqplib';
import type { TriggerDef } from '../../contracts/triggers.js';

export type QueueType = 'quorum' | 'classic';

export interface TopologyNames {
  exchange: string;
  deadLetterExchange: string;
  queue(trigger: Pick<TriggerDef, 'name'>): string;
  deadLetterQueue(trigger: Pick<TriggerDef, 'name'>): string;
}

export function topologyNames(prefix: string, brokerName: string): TopologyNames {
  return {
    exchange: `${prefix}broker.${brokerName}`,
    deadLetterExchange: `${prefix}broker.${brokerName}.dlx`,
    queue: (t) => `${prefix}trigger.${t.name}`,
    deadLetterQueue: (t) => `${prefix}trigger.${t.name}.dlq`,
  };
}

/**
 * Binding arguments: the filter plus x-match: all. RabbitMQ ignores x-* keys when
 * matching, so x-knative-trigger only labels the binding (as eventing-rabbitmq does).
 */
export function bindingArguments(trigger: Pick<TriggerDef, 'name' | 'filter'>): Record<string, string> {
  return { ...trigger.filter, 'x-match': 'all', 'x-knative-trigger': trigger.name };
}

function queueArguments(type: QueueType): Record<string, string> {
  return { 'x-queue-type': type };
}

export async function declareExchanges(ch: Channel, names: TopologyNames): Promise<void> {
  await ch.assertExchange(names.exchange, 'headers', { durable: true, autoDelete: false });
  await ch.assertExchange(names.deadLetterExchange, 'direct', { durable: true, autoDelete: false });
}

async function assertQueue(ch: Channel, queue: string, queueType: QueueType): Promise<void> {
  try {
    await ch.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false, arguments: queueArguments(queueType) });
  } catch (err) {
    // 406 PRECONDITION_FAILED: the queue exists with other arguments. Say how to fix it
    // instead of leaving a bare AMQP error in a reconnect loop.
    if ((err as { code?: number }).code === 406) {
      throw new Error(`queue ${queue} already exists with other arguments (not a ${queueType} queue?); delete it (rabbitmqctl delete_queue ${queue}) or declare it with its current type`);
    }
    throw err;
  }
}

export async function declareTrigger(ch: Channel, names: TopologyNames, trigger: TriggerDef, queueType: QueueType): Promise<void> {
  const queue = names.queue(trigger);
  await assertQueue(ch, queue, queueType);
  await ch.bindQueue(queue, names.exchange, '', bindingArguments(trigger));
  if (trigger.deadLetterSink !== undefined) {
    const dlq = names.deadLetterQueue(trigger);
    await assertQueue(ch, dlq, queueType);
    await ch.bindQueue(dlq, names.deadLetterExchange, trigger.name);
  }
}

/** Removes everything declareExchanges/declareTrigger created (tests clean up with it). */
export async function deleteTopology(ch: Channel, names: TopologyNames, triggers: readonly TriggerDef[]): Promise<void> {
  for (const t of triggers) {
    await ch.deleteQueue(names.queue(t));
    await ch.deleteQueue(names.deadLetterQueue(t));
  }
  await ch.deleteExchange(names.exchange);
  await ch.deleteExchange(names.deadLetterExchange);
}
