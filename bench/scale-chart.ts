/**
 * The scale family's table and charts, drawn from its result's figures alone (so
 * `tsx bench/scale-chart.ts` redraws them from bench/results/scale.json).
 *
 * Figures are named `<path>.<metric>@<size>`; a trailing `~` marks a point extrapolated
 * from the measured ones (a size this machine cannot hold), drawn hollow and marked ≈.
 * The SVG is written by hand: a line chart with a logarithmic x axis needs nothing more.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Point {
  size: number;
  value: number;
  extrapolated: boolean;
}

/** `matching.p99Ms@10000` → series `matching.p99Ms`, point (10000, value). */
export function seriesOf(figures: Readonly<Record<string, number | string>>): Map<string, Point[]> {
  const out = new Map<string, Point[]>();
  for (const [key, value] of Object.entries(figures)) {
    const m = /^([\w.]+)@(\d+)(~?)$/.exec(key);
    if (!m || typeof value !== 'number' || !Number.isFinite(value)) continue;
    const list = out.get(m[1]!) ?? [];
    list.push({ size: Number(m[2]), value, extrapolated: m[3] === '~' });
    out.set(m[1]!, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.size - b.size);
  return out;
}

export interface ChartSpec {
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Series keys and their legend labels. */
  series: { key: string; label: string }[];
  /** A horizontal line: the target (drawn only when given). */
  target?: number;
}

/** What docs/performance.md shows: one chart per path and unit. */
export const scaleCharts: ChartSpec[] = [
  { file: 'matching.svg', title: 'Matching: ride.requested → offer decided', xLabel: 'online drivers in the city', yLabel: 'ms', series: [{ key: 'matching.p50Ms', label: 'p50' }, { key: 'matching.p99Ms', label: 'p99' }], target: 20 },
  { file: 'history.svg', title: 'GET /api/v1/rides (a rider with 1,000 rides)', xLabel: 'rows in the rides table', yLabel: 'ms', series: [{ key: 'history.firstP99Ms', label: 'first page p99' }, { key: 'history.deepP99Ms', label: 'deep page p99' }, { key: 'history.firstP50Ms', label: 'first page p50' }], target: 20 },
  { file: 'tracking.svg', title: 'Tracking: /track and the location ping', xLabel: 'stored samples', yLabel: 'ms', series: [{ key: 'tracking.trackP99Ms', label: '/track p99' }, { key: 'tracking.readP99Ms', label: 'trace read p99' }, { key: 'tracking.pingP99Ms', label: 'ping p99' }], target: 50 },
  { file: 'notifier-memory.svg', title: 'Notifier: RSS per idle socket', xLabel: 'open sockets', yLabel: 'KiB', series: [{ key: 'notifier.rssPerSocketKiB', label: 'RSS per socket' }], target: 4 },
  { file: 'notifier-push.svg', title: 'Notifier: push latency at 1,000 events/s', xLabel: 'open sockets', yLabel: 'ms', series: [{ key: 'notifier.pushP99Ms', label: 'p99' }, { key: 'notifier.pushP50Ms', label: 'p50' }], target: 10 },
  { file: 'broker-throughput.svg', title: 'Broker: events/s, 1 KiB payloads', xLabel: 'parallelism', yLabel: 'events/s', series: [{ key: 'broker.eventsPerSec', label: 'events/s' }], target: 5000 },
  { file: 'broker-latency.svg', title: 'Broker: publish → handler p99 (parallelism 16)', xLabel: 'events/s offered', yLabel: 'ms', series: [{ key: 'broker.p99Ms', label: 'p99' }, { key: 'broker.p50Ms', label: 'p50' }], target: 20 },
];

const W = 640;
const H = 360;
const M = { left: 64, right: 150, top: 40, bottom: 52 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(Math.round(v * 100) / 100));

/** A round step giving about five y ticks. */
function yStep(max: number): number {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? raw;
}

/** The chart of `spec` over `series`; a note instead of lines when nothing was measured. */
export function lineChartSvg(spec: ChartSpec, series: ReadonlyMap<string, Point[]>): string {
  const lines = spec.series.map((s, i) => ({ ...s, colour: COLOURS[i % COLOURS.length]!, points: series.get(s.key) ?? [] })).filter((l) => l.points.length > 0);
  const all = lines.flatMap((l) => l.points);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="22" font-size="14" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  if (all.length === 0) {
    parts.push(`<text x="${M.left}" y="${H / 2}">not measured</text>`, '</svg>');
    return `${parts.join('\n')}\n`;
  }
  const sizes = all.map((p) => p.size);
  const x0 = Math.floor(Math.log10(Math.min(...sizes)));
  const x1 = Math.max(x0 + 1, Math.ceil(Math.log10(Math.max(...sizes))));
  const yMax0 = Math.max(...all.map((p) => p.value), spec.target ?? 0) * 1.1 || 1;
  const step = yStep(yMax0);
  const yMax = Math.ceil(yMax0 / step) * step;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (size: number) => M.left + ((Math.log10(size) - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => M.top + ph - (v / yMax) * ph;
  const r1 = (v: number) => Math.round(v * 10) / 10;

  // Axes, grid and ticks: decades on x, round steps on y.
  for (let d = x0; d <= x1; d++) {
    const x = r1(X(10 ** d));
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${M.top + ph}" stroke="#ddd"/>`, `<text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(10 ** d)}</text>`);
  }
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const y = r1(Y(v));
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#eee"/>`, `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)} (log scale)</text>`,
    `<text x="16" y="${M.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${M.top + ph / 2})">${esc(spec.yLabel)}</text>`,
  );
  if (spec.target !== undefined) {
    const y = r1(Y(spec.target));
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#e69f00" stroke-dasharray="6 4" stroke-width="1.5"/>`, // Inside the plot, right-aligned above the line: beside it, the label ran into the legend.
      `<text x="${M.left + pw - 4}" y="${y - 4}" text-anchor="end" fill="#b07800">target ${fmt(spec.target)}</text>`);
  }
  lines.forEach((l, i) => {
    const measured = l.points.filter((p) => !p.extrapolated);
    const path = (ps: Point[]) => ps.map((p) => `${r1(X(p.size))},${r1(Y(p.value))}`).join(' ');
    if (measured.length > 1) parts.push(`<polyline points="${path(measured)}" fill="none" stroke="${l.colour}" stroke-width="2"/>`);
    const last = measured[measured.length - 1];
    const ahead = l.points.filter((p) => p.extrapolated);
    if (last && ahead.length > 0) parts.push(`<polyline points="${path([last, ...ahead])}" fill="none" stroke="${l.colour}" stroke-width="1.5" stroke-dasharray="3 3"/>`);
    for (const p of l.points) {
      parts.push(`<circle cx="${r1(X(p.size))}" cy="${r1(Y(p.value))}" r="3.5" fill="${p.extrapolated ? '#fff' : l.colour}" stroke="${l.colour}" stroke-width="1.5"><title>${esc(l.label)} at ${p.size}: ${p.value}${p.extrapolated ? ' (extrapolated)' : ''}</title></circle>`);
    }
    const ly = M.top + 14 + i * 18;
    parts.push(`<line x1="${M.left + pw + 8}" y1="${ly + 16}" x2="${M.left + pw + 28}" y2="${ly + 16}" stroke="${l.colour}" stroke-width="2"/>`, `<text x="${M.left + pw + 32}" y="${ly + 20}">${esc(l.label)}</text>`);
  });
  if (all.some((p) => p.extrapolated)) parts.push(`<text x="${M.left + pw + 8}" y="${M.top + ph}" font-size="10" fill="#666">hollow: extrapolated</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The Markdown table: one row per series, one column per size; ≈ marks an extrapolated value. */
export function scaleTable(figures: Readonly<Record<string, number | string>>): string {
  const series = seriesOf(figures);
  const rows: string[] = ['| path · figure | size → value |', '|---|---|'];
  for (const [key, points] of series) {
    const cells = points.map((p) => `${p.size.toLocaleString('en')}: ${p.extrapolated ? '≈ ' : ''}${p.value}`);
    rows.push(`| ${key} | ${cells.join(' · ')} |`);
  }
  const ride = Object.entries(figures).filter(([k]) => k.startsWith('ride.'));
  if (ride.length > 0) {
    rows.push('', '| the ride, same sitting | value |', '|---|---|');
    for (const [k, v] of ride) rows.push(`| ${k} | ${v} |`);
  }
  return `${rows.join('\n')}\n`;
}

/** Writes docs/scale/<chart>.svg and docs/scale/table.md; returns the files written. */
export function writeScaleDocs(figures: Readonly<Record<string, number | string>>, dir = join(process.cwd(), 'docs', 'scale')): string[] {
  mkdirSync(dir, { recursive: true });
  const series = seriesOf(figures);
  const files = scaleCharts.map((spec) => {
    const file = join(dir, spec.file);
    writeFileSync(file, lineChartSvg(spec, series));
    return file;
  });
  const table = join(dir, 'table.md');
  writeFileSync(table, scaleTable(figures));
  return [...files, table];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = JSON.parse(readFileSync(join(process.cwd(), 'bench', 'results', 'scale.json'), 'utf8')) as { figures: Record<string, number | string> };
  for (const f of writeScaleDocs(result.figures)) process.stderr.write(`wrote ${f}\n`);
}
