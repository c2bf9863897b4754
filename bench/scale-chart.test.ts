import { describe, expect, it } from 'vitest';
import { lineChartSvg, scaleTable, seriesOf, type ChartSpec } from './scale-chart.js';
import { extrapolate, socketSizes } from './scale.bench.js';

const spec: ChartSpec = { file: 'x.svg', title: 'Matching <p99>', xLabel: 'drivers', yLabel: 'ms', series: [{ key: 'matching.p99Ms', label: 'p99' }], target: 20 };

describe('scale figures → series', () => {
  it('reads <path>.<metric>@<size>, sorts by size, marks ~ as extrapolated and ignores the rest', () => {
    const s = seriesOf({ 'matching.p99Ms@10000': 2, 'matching.p99Ms@1000': 1, 'matching.p99Ms@50000~': 4, 'load.matching': 0.5, mode: 'quick', 'history.index@10': 'rides_rider_history' });
    expect([...s.keys()]).toEqual(['matching.p99Ms']);
    expect(s.get('matching.p99Ms')).toEqual([
      { size: 1000, value: 1, extrapolated: false },
      { size: 10000, value: 2, extrapolated: false },
      { size: 50000, value: 4, extrapolated: true },
    ]);
  });
});

describe('line chart', () => {
  const svg = lineChartSvg(spec, seriesOf({ 'matching.p99Ms@1000': 1, 'matching.p99Ms@10000': 2, 'matching.p99Ms@100000~': 3 }));

  it('draws the x axis in decades: 10,000 lies halfway between 1,000 and 100,000', () => {
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(3);
    expect(xs[1]! - xs[0]!).toBeCloseTo(xs[2]! - xs[1]!, 0);
    expect(svg).toContain('>1k</text>');
    expect(svg).toContain('>100k</text>');
  });

  it('draws measured points solid, extrapolated ones hollow on a dashed line, and the target', () => {
    expect(svg.match(/fill="#fff" stroke=/g)).toHaveLength(1);
    expect(svg).toContain('stroke-dasharray="3 3"');
    expect(svg).toContain('target 20');
    expect(svg).toContain('hollow: extrapolated');
  });

  it('escapes text and says so when nothing was measured', () => {
    expect(svg).toContain('Matching &lt;p99&gt;');
    expect(lineChartSvg(spec, new Map())).toContain('not measured');
  });
});

describe('table', () => {
  it('has one row per series, with ≈ on extrapolated values', () => {
    const t = scaleTable({ 'notifier.pushP99Ms@10000': 3.5, 'notifier.pushP99Ms@50000~': 5.1, 'broker.eventsPerSec@16': 4200 });
    expect(t).toContain('| notifier.pushP99Ms | 10,000: 3.5 · 50,000: ≈ 5.1 |');
    expect(t).toContain('| broker.eventsPerSec | 16: 4200 |');
  });
});

describe('extrapolation', () => {
  it('continues the straight line on log size', () => {
    expect(extrapolate([{ size: 1_000, value: 1 }, { size: 10_000, value: 2 }], 100_000)).toBe(3);
    expect(extrapolate([{ size: 1_000, value: 4 }, { size: 10_000, value: 4 }], 50_000)).toBe(4);
  });
});

describe('socket sizes under the open-files limit', () => {
  it('keeps the sizes that fit and adds the largest that does', () => {
    expect(socketSizes([10_000, 25_000, 50_000], 20_000)).toEqual([10_000, 19_000]);
    expect(socketSizes([10_000, 25_000, 50_000], 1_048_576)).toEqual([10_000, 25_000, 50_000]);
  });
});

describe('table', () => {
  it('lists the ride figures of the same sitting under the curves', () => {
    const t = scaleTable({ 'matching.p99Ms@1000': 1, 'ride.ridesPerSec': 30.5, 'ride.rideCpuOverFloor': 2.9, 'load.ride': 1.2 });
    expect(t).toContain('| matching.p99Ms | 1,000: 1 |');
    expect(t).toContain('| the ride, same sitting | value |');
    expect(t).toContain('| ride.ridesPerSec | 30.5 |');
    expect(t).toContain('| ride.rideCpuOverFloor | 2.9 |');
    expect(t).not.toContain('load.ride');
  });
});
