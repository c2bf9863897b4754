import { describe, expect, it } from 'vitest';
import { kindOf, libraryOf, NO_JS, sharesOf } from '../../bench/cpu-kinds.js';

describe('cpu-kinds: what a perf sample was doing', () => {
  it('tells JIT code, V8 builtins, the runtime, GC, the compiler and the kernel apart', () => {
    expect(kindOf('JS:*toRide file:///x/store.ts:1:2', '/tmp/perf-42.map', true)).toBe('js');
    expect(kindOf('RegExp:^[a-z]+$', '/tmp/perf-42.map', true)).toBe('js');
    expect(kindOf('Builtins_LoadIC_Megamorphic', '/usr/bin/node', true)).toBe('v8 builtins');
    expect(kindOf('v8::internal::JsonParser<unsigned char>::ParseJson', '/usr/bin/node', true)).toBe('native');
    expect(kindOf('llhttp__internal_execute', '/usr/bin/node', true)).toBe('native');
    expect(kindOf('v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>', '/usr/bin/node', true)).toBe('gc');
    expect(kindOf('v8::internal::ConcurrentMarking::RunMajor', '/usr/bin/node', false)).toBe('gc');
    expect(kindOf('v8::internal::compiler::GraphReducer::ReduceTop', '/usr/bin/node', false)).toBe('jit compiler');
    expect(kindOf('uv__work_done', '/usr/bin/node', false)).toBe('other threads');
    expect(kindOf('do_syscall_64', '[kernel.kallsyms]', true)).toBe('kernel');
    expect(kindOf('finish_task_switch.isra.0', '[kernel.kallsyms]', false)).toBe('kernel');
  });

  it('names the library of a JIT frame: an npm package, a Node module, or our file', () => {
    expect(libraryOf('JS:*toSQL /r/node_modules/knex/lib/raw.js:74:8', '/r')).toBe('knex');
    expect(libraryOf('JS:*get file:///r/node_modules/@hono/node-server/dist/index.mjs:113:5', '/r')).toBe('@hono/node-server');
    expect(libraryOf('JS:*x /r/node_modules/knex/node_modules/debug/src/common.js:1:2', '/r')).toBe('debug');
    expect(libraryOf('JS:*processTicksAndRejections node:internal/process/task_queues:67:35', '/r')).toBe('node:internal/process');
    expect(libraryOf('JS:*Socket._writeGeneric node:net:927:42', '/r')).toBe('node:net');
    expect(libraryOf('JS:*changeWithEvent file:///r/platform/events/outbox.ts:2:3017', '/r/')).toBe('platform/events/outbox.ts');
    expect(libraryOf('JS:* file:///r/platform/app.ts:1:1684', '/r')).toBe('platform/app.ts');
  });

  it('sums samples per group: kinds from the innermost frame, libraries from the innermost JavaScript frame', () => {
    const script = [
      '101 ',
      '\t         150bd23 Builtins_LoadIC (/usr/bin/node)',
      '\t    7f6d7ea4b25d JS:*toSQL /r/node_modules/knex/lib/raw.js:74:8 (/tmp/perf-101.map)',
      '\t    7f6d7ea4b25e JS:*changeWithEvent file:///r/platform/events/outbox.ts:2:3017 (/tmp/perf-101.map)',
      '',
      '101 ',
      '\tffffffff8225a101 do_syscall_64 ([kernel.kallsyms])',
      '\t    7f6d7ea4b25f JS:*writevGeneric node:internal/stream_base_commons:123:23 (/tmp/perf-101.map)',
      '',
      '101 ',
      '\t    7f6d7ea4b260 JS:*toSQL /r/node_modules/knex/lib/raw.js:74:8 (/tmp/perf-101.map)',
      '',
      '101 ',
      '\t          8deef3 node::(anonymous namespace)::Parser::on_headers_complete (/usr/bin/node)',
      '\t          14ac8a7 uv_run (/usr/bin/node)',
      '',
      '102 ',
      '\t          13b82f4 v8::internal::compiler::Scheduler::ScheduleLate(v8::internal::compiler::Node*) (/usr/bin/node)',
      '',
      '200 ',
      '\tffffffff8223aaf5 mas_preallocate ([kernel.kallsyms])',
      '',
      '999 ',
      '\t         150bd23 Builtins_LoadIC (/usr/bin/node)',
      '',
    ].join('\n');
    const threads = new Map([
      [101, { group: 'workers', main: true }],
      [102, { group: 'workers', main: false }],
      [200, { group: 'postgresql', main: true }],
    ]);
    expect(sharesOf(script, threads, '/r')).toEqual({
      kinds: {
        workers: { 'v8 builtins': 20, kernel: 20, js: 20, native: 20, 'jit compiler': 20 },
        postgresql: { kernel: 100 },
      },
      libraries: {
        workers: { knex: 50, 'node:internal/stream_base_commons': 25, [NO_JS]: 25 },
        postgresql: { [NO_JS]: 100 },
      },
    });
    expect(sharesOf('garbage\n', threads)).toBeUndefined();
  });
});
