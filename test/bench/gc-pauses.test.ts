import { describe, expect, it } from 'vitest';
import { parseGcTrace, summarisePauses } from '../../bench/gc-pauses.js';

// Lines as Node 20's --trace-gc prints them, mixed with the platform's own output.
const LOG = [
  '[29160:0x2d6eed50]    15557 ms: Scavenge 46.0 (66.7) -> 35.4 (67.9) MB, 9.50 / 0.00 ms  (average mu = 0.950, current mu = 0.950) task; ',
  '{"level":40,"msg":"not a gc line"}',
  '[29160:0x2d6eed50]    17580 ms: Scavenge 49.5 (68.2) -> 36.9 (69.4) MB, 11.51 / 0.06 ms  (average mu = 0.950, current mu = 0.950) allocation failure; ',
  '[29160:0x2d6eed50]    59064 ms: Mark-Compact 91.8 (122.9) -> 33.1 (107.4) MB, 32.80 / 0.05 ms  (+ 33.4 ms in 200 steps since start of marking, biggest step 6.9 ms) (average mu = 0.9) finalize incremental marking via task; GC in old space requested',
  '[29174:0x7f1994000f00]    24474 ms: Mark-Compact (reduce) 13.0 (42.1) -> 8.3 (25.1) MB, 47.86 / 0.14 ms  (+ 11.2 ms in 11 steps since start of marking) (average mu = 0.9) memory reducer; GC in old space requested',
  '[29160:0x2d6eed50]      100 ms: Scavenge 4.6 (4.7) -> 4.2 (5.7) MB, 7.11 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
].join('\n');

describe('gc-pauses: V8 --trace-gc lines to pauses per isolate', () => {
  it('reads isolate, time, kind and main-thread pause, and skips other lines', () => {
    const pauses = parseGcTrace(LOG);
    expect(pauses).toHaveLength(5);
    expect(pauses[0]).toEqual({ isolate: '29160:0x2d6eed50', atMs: 15557, kind: 'Scavenge', ms: 9.5 });
    expect(pauses[2]).toMatchObject({ kind: 'Mark-Compact', ms: 32.8 });
    expect(pauses[3]).toMatchObject({ isolate: '29174:0x7f1994000f00', kind: 'Mark-Compact (reduce)', ms: 47.86 });
  });

  it('summarises per isolate and kind, leaving out what came before --after', () => {
    const rows = summarisePauses(parseGcTrace(LOG), 1_000);
    expect(rows.map((r) => r.key)).toEqual(['29160:0x2d6eed50 Mark-Compact', '29160:0x2d6eed50 Scavenge', '29174:0x7f1994000f00 Mark-Compact (reduce)']);
    const scavenges = rows[1]!;
    expect(scavenges.count).toBe(2); // the 100 ms one is start-up
    expect(scavenges.p50Ms).toBe(9.5);
    expect(scavenges.maxMs).toBe(11.51);
    expect(scavenges.totalMs).toBeCloseTo(21.01, 5);
    expect(scavenges.spanSeconds).toBeCloseTo(2.023, 5);
  });
});
