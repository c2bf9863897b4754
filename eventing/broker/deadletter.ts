/**
 * Dead letters. An event a Trigger gives up on is stamped with Knative's error
 * extensions and parked (with a confirm) in the Trigger's dead-letter queue before the
 * original is acked; a dead-letter dispatcher then delivers it to the sink. Parking it
 * in RabbitMQ first means a sink that is down loses nothing either.
 */
import type { CloudEvent } from 'cloudevents';
import type { Logger } from '../../platform/logger.js';
import type { TriggerDef } from '../../contracts/triggers.js';
import { eventOrDrop, toPublish } from './amqp-message.js';
import type { AmqpLink } from './connection.js';
import { startConsumer, type Consumer } from './consumer.js';
import { deliver } from './delivery.js';
import type { Publisher } from './publisher.js';
import type { RetryPolicy } from './retry.js';
import type { TopologyNames } from './topology.js';

/** Knative truncates the response body it copies into knativeerrordata. */
export const ERROR_DATA_MAX_BYTES = 1024;

export interface DeliveryFailure {
  /** Where the failed request went: the subscriber, or the broker ingress for a reply. */
  dest: string;
  /** Last HTTP status; 500 when there was no answer at all (as Knative reports it). */
  code: number;
  /** Last response body (or "dispatch error: …"). */
  body: Buffer;
}

/** The event plus knativeerrordest, knativeerrorcode and (base64) knativeerrordata. */
export function withErrorExtensions<T>(event: CloudEvent<T>, failure: DeliveryFailure): CloudEvent<T> {
  const data = failure.body.subarray(0, ERROR_DATA_MAX_BYTES);
  return event.cloneWith(
    {
      knativeerrordest: failure.dest,
      knativeerrorcode: failure.code,
      ...(data.length ? { knativeerrordata: data.toString('base64') } : {}),
    },
    false,
  );
}

export async function parkDeadLetter(
  publisher: Publisher,
  names: TopologyNames,
  trigger: TriggerDef,
  event: CloudEvent<unknown>,
  data: Buffer,
  failure: DeliveryFailure,
): Promise<void> {
  const { content, options } = toPublish(withErrorExtensions(event, failure), data);
  await publisher.publish(names.deadLetterExchange, trigger.name, content, options);
}

export interface DeadLetterDispatcherOptions {
  link: AmqpLink;
  names: TopologyNames;
  trigger: TriggerDef;
  sinkUrl: string;
  policy: RetryPolicy;
  timeoutMs: number;
  log: Logger;
  /** Pause before a dead letter the sink refused goes back to the queue. */
  requeueDelayMs?: number;
}

export function startDeadLetterDispatcher(opts: DeadLetterDispatcherOptions): Promise<Consumer> {
  const log = opts.log.child({ trigger: opts.trigger.name, deadLetterSink: opts.sinkUrl });
  const requeueDelay = opts.requeueDelayMs ?? 5_000;
  return startConsumer({
    link: opts.link,
    queue: opts.names.deadLetterQueue(opts.trigger),
    prefetch: Math.min(opts.trigger.parallelism, 16),
    log,
    async handle(msg, signal) {
      const event = eventOrDrop(msg, log, 'a dead letter');
      if (!event) return 'drop';
      const outcome = await deliver(opts.sinkUrl, event, { policy: opts.policy, timeoutMs: opts.timeoutMs, signal });
      if (outcome.kind === 'delivered') return 'ack';
      if (outcome.kind === 'failed') {
        log.error({ id: event.id, type: event.type, status: outcome.status }, 'dead-letter sink refused the event; keeping it queued');
        // Never drop a dead letter: wait, then put it back for another round.
        await new Promise((r) => setTimeout(r, requeueDelay));
      }
      return 'requeue';
    },
  });
}
