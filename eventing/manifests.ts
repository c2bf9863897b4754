/**
 * The Knative eventing objects, from the Broker/Trigger definitions (contracts/triggers.ts,
 * derived from contracts/catalog.ts and contracts/workloads.ts). `npm run generate`
 * (scripts/generate.ts) writes them:
 *   eventing/broker.yaml    RabbitmqBrokerConfig + Broker (class RabbitMQBroker)
 *   eventing/triggers.yaml  one Trigger per subscription
 */
import type { Delivery } from '../contracts/catalog-types.js';
import { broker as defaultBroker, type BrokerDef, type TriggerDef } from '../contracts/triggers.js';
import { workloadsOf } from '../contracts/workloads.js';

const labels = { 'app.kubernetes.io/part-of': 'microride', 'app.kubernetes.io/component': 'eventing' };

const serviceRef = (name: string) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name });

/**
 * What a Trigger delivers to: a notifier workload is a Deployment behind a plain v1 Service
 * (never scaled to zero), everything else a Knative Service.
 */
export function subscriberRef(name: string): { apiVersion: string; kind: string; name: string } {
  return workloadsOf('notifier').some((n) => n.name === name) ? { apiVersion: 'v1', kind: 'Service', name } : serviceRef(name);
}

function deliverySpec(d: Delivery, deadLetterSink: string | undefined) {
  return {
    retry: d.retry,
    backoffPolicy: d.backoffPolicy,
    backoffDelay: d.backoffDelay,
    ...(deadLetterSink ? { deadLetterSink: { ref: serviceRef(deadLetterSink) } } : {}),
  };
}

const brokerConfigName = (b: BrokerDef) => `${b.name}-config`;

export function brokerConfigManifest(b: BrokerDef = defaultBroker): object {
  return {
    apiVersion: 'eventing.knative.dev/v1alpha1',
    kind: 'RabbitmqBrokerConfig',
    metadata: { name: brokerConfigName(b), labels },
    spec: { rabbitmqClusterReference: { name: b.rabbitmqCluster }, queueType: b.queueType },
  };
}

export function brokerManifests(b: BrokerDef = defaultBroker): object[] {
  return [
    brokerConfigManifest(b),
    {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: { name: b.name, labels, annotations: { 'eventing.knative.dev/broker.class': 'RabbitMQBroker' } },
      spec: {
        config: { apiVersion: 'eventing.knative.dev/v1alpha1', kind: 'RabbitmqBrokerConfig', name: brokerConfigName(b) },
        delivery: deliverySpec(b.delivery, b.deadLetterSink),
      },
    },
  ];
}

export function triggerManifest(t: TriggerDef): object {
  return {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: {
      name: t.name,
      labels: { ...labels, 'microride.dev/function': t.subscriber },
      // eventing-rabbitmq: consumers per Trigger; 1 keeps the queue's order.
      annotations: { 'rabbitmq.eventing.knative.dev/parallelism': String(t.parallelism) },
    },
    spec: {
      broker: t.broker,
      filter: { attributes: { ...t.filter } },
      subscriber: { ref: subscriberRef(t.subscriber) },
      delivery: deliverySpec(t.delivery, t.deadLetterSink),
    },
  };
}
