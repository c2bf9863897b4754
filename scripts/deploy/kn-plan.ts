/**
 * The `kn` commands that deploy what knative/ and eventing/ describe, derived from the
 * same model (scripts/deploy/model.ts). scripts/kn-deploy.sh runs them; CI runs the
 * `kn service create … --target DIR` form offline and compares the result with knative/.
 *
 *   tsx scripts/deploy/kn-plan.ts [--image IMG] [--namespace NS]
 *
 * Output: one command per line, fields separated by U+001F: the step, then its arguments.
 * Steps: apply (one JSON object for `kubectl apply -f -`: ConfigMap, RabbitmqBrokerConfig,
 * notifier), migrate (the migration Job's name, then the Job as JSON), service (argv after
 * `kn service create|update`; the script picks the verb), broker, binding, trigger (argv after
 * `kn <noun> create|update`), trigger-patch (name + JSON merge patch: delivery and
 * parallelism, for which `kn trigger` has no flags), ping (argv after `kn source ping
 * create|update`), rollout (a Deployment to wait for: `deployment/<name>`).
 */
import { pathToFileURL } from 'node:url';
import { brokerConfigManifest } from '../../eventing/manifests.js';
import { configMap, migrateJob, notifierManifests, outboxRelayManifests } from '../generate.js';
import {
  CONFIG_MAP, DEFAULT_IMAGE, PING_TYPE, SECRET, TICK_EXTENSION, broker, callEnv, defaultResources, functions,
  migrationJob, notifier, outboxRelay, partOf, probes, subscriberRef, tickRelay, ticks, triggers, workloadBundle, type FunctionDeploy,
} from './model.js';

export type Step = 'apply' | 'migrate' | 'service' | 'binding' | 'broker' | 'trigger' | 'trigger-patch' | 'ping' | 'rollout';
export interface Command {
  step: Step;
  name: string;
  args: string[];
}

const kv = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(',');
const probeOpts = (p: { periodSeconds: number; timeoutSeconds: number; failureThreshold: number }) =>
  `PeriodSeconds=${p.periodSeconds},TimeoutSeconds=${p.timeoutSeconds},FailureThreshold=${p.failureThreshold}`;

/** `namespace`: where the callees of the function's direct calls live (kn's default namespace when not given). */
export function serviceArgs(fn: FunctionDeploy, image: string, namespace = 'default'): string[] {
  const s = fn.scaling;
  return [
    fn.name,
    '--image', image,
    ...fn.args.flatMap((a) => ['--arg', a]),
    '--env-from', `config-map:${CONFIG_MAP}`,
    ...fn.secretEnv.flatMap((k) => ['--env-value-from', `${k}=secret:${SECRET}:${k}`]),
    ...callEnv(fn, namespace).flatMap((e) => ['--env', `${e.name}=${e.value}`]),
    '--scale-min', String(s.minScale),
    '--scale-max', String(s.maxScale),
    '--scale-target', String(s.target),
    '--concurrency-limit', String(s.containerConcurrency),
    '--timeout', String(s.timeoutSeconds),
    '--request', kv(defaultResources.requests),
    '--limit', kv(defaultResources.limits),
    '--probe-readiness', `http:::${probes.readiness.httpGet.path}`,
    '--probe-readiness-opts', probeOpts(probes.readiness),
    '--probe-liveness', `http:::${probes.liveness.httpGet.path}`,
    '--probe-liveness-opts', probeOpts(probes.liveness),
    '--security-context', 'strict',
    ...Object.entries({ ...partOf, 'app.kubernetes.io/component': fn.service, 'microride.dev/function': fn.name }).flatMap(([k, v]) => ['--label-service', `${k}=${v}`]),
    ...Object.entries({ ...partOf, 'microride.dev/function': fn.name }).flatMap(([k, v]) => ['--label-revision', `${k}=${v}`]),
    '--annotation-service', `microride.dev/description=${fn.description}`,
    ...(fn.visibility === 'cluster-local' ? ['--cluster-local'] : []),
  ];
}

export function plan(image = DEFAULT_IMAGE, namespace?: string): Command[] {
  const ns = namespace ? ['--namespace', namespace] : [];
  const out: Command[] = [];
  const fns = functions();
  const apply = (obj: Record<string, unknown>) => {
    const meta = obj.metadata as { name: string };
    out.push({ step: 'apply', name: `${String(obj.kind)}/${meta.name}`, args: [JSON.stringify(obj)] });
  };
  apply(configMap());
  apply(brokerConfigManifest(broker) as Record<string, unknown>);
  out.push({ step: 'migrate', name: migrationJob.name, args: [migrationJob.name, JSON.stringify(migrateJob(image))] });
  for (const fn of fns) out.push({ step: 'service', name: fn.name, args: [...serviceArgs(fn, image, namespace), ...ns] });

  const tickList = ticks();
  if (tickList.length) {
    const s = tickRelay.scaling;
    out.push({
      step: 'service',
      name: tickRelay.name,
      args: [
        tickRelay.name, '--image', image, '--arg', workloadBundle(tickRelay),
        '--env', `TICK_TYPES=${[...new Set(tickList.map((t) => t.type))].join(',')}`,
        '--scale-min', String(s.minScale), '--scale-max', String(s.maxScale), '--scale-target', String(s.target),
        '--concurrency-limit', String(s.containerConcurrency), '--timeout', String(s.timeoutSeconds),
        '--request', kv(tickRelay.resources.requests), '--limit', kv(tickRelay.resources.limits),
        '--probe-readiness', `http:::${probes.readiness.httpGet.path}`, '--probe-liveness', `http:::${probes.liveness.httpGet.path}`,
        '--security-context', 'strict', '--cluster-local',
        '--label-service', 'app.kubernetes.io/part-of=microride', '--label-service', `microride.dev/function=${tickRelay.name}`,
        ...ns,
      ],
    });
  }

  out.push({
    step: 'broker',
    name: broker.name,
    args: [
      broker.name, '--class', 'RabbitMQBroker',
      '--broker-config', `eventing.knative.dev/v1alpha1:RabbitmqBrokerConfig:${broker.name}-config${namespace ? `:${namespace}` : ''}`,
      '--retry', String(broker.delivery.retry), '--backoff-policy', broker.delivery.backoffPolicy, '--backoff-delay', broker.delivery.backoffDelay,
      '--dl-sink', `ksvc:${broker.deadLetterSink}`,
      ...ns,
    ],
  });

  for (const fn of fns.filter((f) => f.emits)) {
    out.push({
      step: 'binding',
      name: `${fn.name}-sink`,
      args: [`${fn.name}-sink`, '--subject', `Service:serving.knative.dev/v1:${fn.name}`, '--sink', `broker:${broker.name}`, ...ns],
    });
  }

  for (const t of triggers()) {
    // A notifier is a Deployment behind a v1 Service, the rest Knative Services.
    const sink = subscriberRef(t.subscriber).apiVersion === 'v1' ? `svc:${t.subscriber}${namespace ? `:${namespace}` : ''}` : `ksvc:${t.subscriber}`;
    out.push({
      step: 'trigger',
      name: t.name,
      args: [t.name, '--broker', t.broker, ...Object.entries(t.filter).flatMap(([k, v]) => ['--filter', `${k}=${v}`]), '--sink', sink, ...ns],
    });
    const delivery = {
      retry: t.delivery.retry,
      backoffPolicy: t.delivery.backoffPolicy,
      backoffDelay: t.delivery.backoffDelay,
      ...(t.deadLetterSink ? { deadLetterSink: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: t.deadLetterSink } } } : {}),
    };
    const patch = { metadata: { annotations: { 'rabbitmq.eventing.knative.dev/parallelism': String(t.parallelism) } }, spec: { delivery } };
    out.push({ step: 'trigger-patch', name: t.name, args: [t.name, JSON.stringify(patch), ...ns] });
  }

  for (const obj of notifierManifests(image)) apply(obj);
  for (const obj of outboxRelayManifests(image)) apply(obj);

  if (tickList.length) {
    out.push({
      step: 'trigger',
      name: tickRelay.name,
      args: [tickRelay.name, '--broker', broker.name, '--filter', `type=${PING_TYPE}`, '--sink', `ksvc:${tickRelay.name}`, ...ns],
    });
    for (const t of tickList) {
      out.push({
        step: 'ping',
        name: t.name,
        args: [t.name, '--schedule', t.cron, '--data', '{}', '--ce-override', `${TICK_EXTENSION}=${t.type}`, '--sink', `broker:${broker.name}`, ...ns],
      });
    }
  }
  out.push({ step: 'rollout', name: notifier.name, args: [`deployment/${notifier.name}`] });
  out.push({ step: 'rollout', name: outboxRelay.name, args: [`deployment/${outboxRelay.name}`] });
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const SEP = '\u001f';
  for (const c of plan(value('--image') || DEFAULT_IMAGE, value('--namespace') || undefined)) {
    if (c.args.some((a) => a.includes(SEP) || a.includes('\n'))) throw new Error(`${c.name}: an argument contains a separator or newline`);
    process.stdout.write(`${[c.step, ...c.args].join(SEP)}\n`);
  }
}
