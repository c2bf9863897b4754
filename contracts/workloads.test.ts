import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from './catalog.js';
import type { NotifierWorkload, Workload } from './catalog-types.js';
import { isEventType } from './events.js';
import { NOTIFIED_TYPES } from './notifier.js';
import { broker, notifierTriggers } from './triggers.js';
import { MIGRATED_SERVICES, entries, workloadOf, workloads, workloadsOf } from './workloads.js';

const root = join(import.meta.dirname, '..');

describe('workloads (contracts/workloads.ts)', () => {
  it('has one workload of each kind, named apart from every function', () => {
    expect(workloads.map((w) => w.kind).sort()).toEqual(['job', 'notifier', 'outbox-relay', 'tick-relay']);
    const names = entries.map((e) => e.name);
    expect(new Set(names).size, `duplicate names in ${names.join(', ')}`).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it('workloadOf finds the one workload of a kind and refuses none or several', () => {
    expect(workloadOf('notifier').name).toBe('notifier');
    expect(() => workloadOf('job', [])).toThrow(/exactly one workload of kind "job" \(it has 0\)/);
    const n = workloadOf('notifier');
    expect(() => workloadOf('notifier', [n, { ...n, name: 'notifier-2' }])).toThrow(/it has 2/);
    expect(workloadsOf('notifier', [n, { ...n, name: 'notifier-2' }])).toHaveLength(2);
  });

  it('starts each workload from a module that exists', () => {
    for (const w of workloads) expect(existsSync(join(root, `${w.entry.module}.ts`)), `${w.name}: ${w.entry.module}.ts`).toBe(true);
  });

  it('the notifier subscribes to every type it pushes, each in the event catalog', () => {
    const n = workloadOf('notifier');
    expect(n.subscriptions.map((s) => s.filter.type)).toEqual([...NOTIFIED_TYPES]);
    for (const s of n.subscriptions) expect(isEventType(s.filter.type!)).toBe(true);
  });

  it('the notifier\'s Triggers come from its entry: one per subscription, named after the type', () => {
    const n = workloadOf('notifier');
    const triggers = notifierTriggers(broker);
    expect(triggers.map((t) => t.filter)).toEqual(n.subscriptions.map((s) => s.filter));
    expect(triggers.every((t) => t.subscriber === n.name && t.deadLetterSink === broker.deadLetterSink)).toBe(true);
    expect(triggers.find((t) => t.filter.type === 'microride.ride.driver_arrived')).toMatchObject({
      name: 'notifier-ride-driver-arrived',
      parallelism: 64,
      delivery: { retry: 5, backoffPolicy: 'exponential', backoffDelay: 'PT0.1S' },
    });
    // Another entry, other Triggers: nothing about them is written anywhere else.
    const other: NotifierWorkload = { ...n, name: 'pager', subscriptions: [{ filter: { type: 'microride.ride.accepted' }, delivery: { retry: 1 } }] };
    expect(notifierTriggers(broker, [other])).toEqual([
      { name: 'pager-ride-accepted', broker: broker.name, filter: { type: 'microride.ride.accepted' }, delivery: { ...broker.delivery, retry: 1 }, parallelism: 1, subscriber: 'pager', deadLetterSink: broker.deadLetterSink },
    ]);
    const bad: Workload[] = [{ ...n, subscriptions: [{ filter: { type: 'microride.no.such' } }] }];
    expect(() => notifierTriggers(broker, bad)).toThrow(/not in contracts\/events\.ts/);
    expect(() => notifierTriggers(broker, [{ ...n, subscriptions: [{ filter: { source: '/x' } }] }])).toThrow(/filters on one type/);
  });

  it('the migration job migrates exactly the services with a PostgreSQL function', () => {
    const job = workloadOf('job');
    expect(job.migrates).toEqual(MIGRATED_SERVICES);
    expect(job.stores).toEqual(['postgres']);
    const withPostgres = new Set(catalog.filter((f) => f.stores.includes('postgres')).map((f) => f.service));
    expect([...MIGRATED_SERVICES].sort()).toEqual([...withPostgres].sort());
  });
});
