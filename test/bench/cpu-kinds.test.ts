import { describe, expect, it } from 'vitest';
import { kindOf, sharesOf } from '../../bench/cpu-kinds.js';

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

  it('sums samples per group into shares, leaving out threads of other processes', () => {
    const script = [
      '   101      7f6d9e647d23 Builtins_LoadIC (/usr/bin/node)',
      '   101      7f6d9e647d24 JS:*emit node:events:471:44 (/tmp/perf-101.map)',
      '   101      7f6d9e647d25 JS:*emit node:events:471:44 (/tmp/perf-101.map)',
      '   102      13b82f4 v8::internal::compiler::Scheduler::ScheduleLate(v8::internal::compiler::Node*) (/usr/bin/node)',
      '   200  ffffffff8223aaf5 mas_preallocate ([kernel.kallsyms])',
      '   999      7f6d9e647d23 Builtins_LoadIC (/usr/bin/node)',
      'garbage',
    ].join('\n');
    const threads = new Map([
      [101, { group: 'workers', main: true }],
      [102, { group: 'workers', main: false }],
      [200, { group: 'postgresql', main: true }],
    ]);
    expect(sharesOf(script, threads)).toEqual({
      workers: { 'v8 builtins': 25, js: 50, 'jit compiler': 25 },
      postgresql: { kernel: 100 },
    });
    expect(sharesOf('garbage\n', threads)).toBeUndefined();
  });
});
