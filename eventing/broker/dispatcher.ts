/**
 * The dispatcher of one Trigger: takes events from the Trigger's queue (prefetch =
 * parallelism, so 1 keeps order), POSTs each to the subscriber in binary mode with
 * `Prefer: reply`, retries as the delivery spec says, sends a reply event back through
 * the broker ingress (with the event's knativebrokerttl minus one; none once that reaches
 * 0, which stops reply loops), and dead-letters what it gives up on. The message is acked
 * only after its fate is settled, so a crash or a lost connection means redelivery, not loss.
 */
import type { ConsumeMessage } from 'amqplib';
import type { CloudEvent } from 'cloudevents';
import type { Logger } from '../../platform/logger.js';
import type { TriggerDef } from '../../contracts/triggers.js';
import { eventOrDrop } from './amqp-message.js';
import type { AmqpLink } from './connection.js';
import { startConsumer, type Consumer, type Verdict } from './consumer.js';
import { parkDeadLetter, type DeliveryFailure } from './deadletter.js';
import { deliver } from './delivery.js';
import type { Publisher } from './publisher.js';
import type { RetryPolicy } from './retry.js';
import type { TopologyNames } from './topology.js';
import { deliveredTtl, TTL_ATTRIBUTE } from './ttl.js';

export interface DispatcherOptions {
  link: AmqpLink;
  names: TopologyNames;
  trigger: TriggerDef;
  subscriberUrl: string;
  /** Where replies go: the broker's own ingress. */
  ingressUrl: string;
  policy: RetryPolicy;
  /** Confirming publisher for dead letters; undefined when the Trigger has no sink. */
  deadLetters: Publisher | undefined;
  timeoutMs: number;
  /** TTL assumed for a queued message without knativebrokerttl (the ingress stamps every event). */
  defaultTtl: number;
  log: Logger;
}

const headerText = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString('utf8') : v);

export function startDispatcher(opts: DispatcherOptions): Promise<Consumer> {
  const { trigger } = opts;
  const log = opts.log.child({ trigger: trigger.name });

  const deadLetter = async (event: CloudEvent<Buffer | string>, msg: ConsumeMessage, failure: DeliveryFailure): Promise<Verdict> => {
    if (!opts.deadLetters || trigger.deadLetterSink === undefined) {
      log.error({ id: event.id, type: event.type, code: failure.code, dest: failure.dest }, 'delivery failed and the trigger has no dead-letter sink; event dropped');
      return 'ack';
    }
    try {
      await parkDeadLetter(opts.deadLetters, opts.names, trigger, event, msg.content, failure);
    } catch (err) {
      // Not parked: leave the original unacked; it is redelivered and retried later.
      log.warn({ id: event.id, err: (err as Error).message }, 'could not park a dead letter; requeueing the event');
      return 'requeue';
    }
    log.warn({ id: event.id, type: event.type, code: failure.code, dest: failure.dest }, 'event dead-lettered');
    return 'ack';
  };

  return startConsumer({
    link: opts.link,
    queue: opts.names.queue(trigger),
    prefetch: trigger.parallelism,
    log,
    async handle(msg, signal) {
      const event = eventOrDrop(msg, log, 'a message');
      if (!event) return 'drop';
      const outcome = await deliver(opts.subscriberUrl, event, { policy: opts.policy, timeoutMs: opts.timeoutMs, signal, headers: { prefer: 'reply' } });
      if (outcome.kind === 'aborted') return 'requeue';
      if (outcome.kind === 'failed') {
        return deadLetter(event, msg, { dest: opts.subscriberUrl, code: outcome.status, body: outcome.body });
      }
      if (outcome.replyError) log.warn({ id: event.id, err: outcome.replyError }, 'subscriber answered with an invalid reply event; ignored');
      if (!outcome.reply) return 'ack';
      // Reply-loop guard (Knative's knativebrokerttl): the reply carries the TTL of the
      // event it answers minus one, whatever the subscriber put there; at 0 it is dropped.
      const ttl = deliveredTtl(headerText(msg.properties.headers?.[TTL_ATTRIBUTE]), opts.defaultTtl) - 1;
      if (ttl <= 0) {
        log.warn(
          // `log` already carries { trigger } (a second key would duplicate it in the JSON line)
          { id: event.id, type: event.type, replyId: outcome.reply.id, replyType: outcome.reply.type },
          `${TTL_ATTRIBUTE} exhausted: reply to event ${event.id} (${event.type}) on trigger ${trigger.name} dropped, not re-published (a reply loop?)`,
        );
        return 'ack';
      }
      const reply = outcome.reply.cloneWith({ [TTL_ATTRIBUTE]: ttl }, false);
      const published = await deliver(opts.ingressUrl, reply, { policy: opts.policy, timeoutMs: opts.timeoutMs, signal });
      if (published.kind === 'aborted') return 'requeue';
      if (published.kind === 'failed') {
        return deadLetter(event, msg, { dest: opts.ingressUrl, code: published.status, body: published.body });
      }
      return 'ack';
    },
  });
}
